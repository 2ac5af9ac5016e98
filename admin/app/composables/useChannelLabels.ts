import { useQuery } from '@urql/vue';
import { graphql } from '~/graphql/tada';

const ChannelLabelsQuery = graphql(`
  query ChannelLabels {
    attachmentLimits {
      channels {
        channel
        label
      }
    }
  }
`);

/**
 * Channel names as the server labels them ("WhatsApp"); the id itself for readers who may not
 * read the configuration (OPS) or channels the server no longer lists.
 */
export function useChannelLabels() {
  const { permissions } = useSession();
  const canRead = computed(() => permissions.value.includes('CONFIG_READ'));
  const limits = useQuery({ query: ChannelLabelsQuery, pause: computed(() => !canRead.value) });
  const labels = computed(() => new Map((limits.data.value?.attachmentLimits.channels ?? []).map((c) => [c.channel, c.label])));
  return (channel: string | null | undefined) => (channel ? (labels.value.get(channel) ?? channel) : 'Unknown channel');
}
