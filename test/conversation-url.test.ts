import { describe, expect, it } from 'vitest';
import { conversationUrl, conversationUrlProblem } from '../server/src/sends/conversation-url.js';

describe('conversationUrl', () => {
  it('URL-encodes the conversation id and channel into their placeholders', () => {
    const template = 'https://chat.example.com/inbox/{channel}/{conversationId}?tab=files';
    expect(conversationUrl(template, 'room 1/../?x=#y', 'whatsapp')).toBe('https://chat.example.com/inbox/whatsapp/room%201%2F..%2F%3Fx%3D%23y?tab=files');
    // The filled link stays on the template's site whatever the id holds.
    expect(new URL(conversationUrl(template, '//evil.example/@x', 'whatsapp')!).host).toBe('chat.example.com');
    expect(conversationUrl('https://chat.example.com/c?id={conversationId}&again={conversationId}', 'a&b', null)).toBe(
      'https://chat.example.com/c?id=a%26b&again=a%26b',
    );
  });

  it('gives no link when the template needs a channel the send does not have', () => {
    expect(conversationUrl('https://chat.example.com/{channel}/{conversationId}', 'room-1', null)).toBeNull();
    expect(conversationUrl('https://chat.example.com/{conversationId}', 'room-1', null)).toBe('https://chat.example.com/room-1');
  });

  it('accepts http and https templates with {conversationId} in the path or query only', () => {
    expect(conversationUrlProblem('http://chat.internal:8080/rooms/{conversationId}')).toBeUndefined();
    expect(conversationUrlProblem('https://chat.example.com/x?room={conversationId}&ch={channel}')).toBeUndefined();
    expect(conversationUrlProblem('https://chat.example.com/{channel}')).toBe('must contain {conversationId}');
    expect(conversationUrlProblem('data:text/html,{conversationId}')).toBe('must be an http or https URL');
  });
});
