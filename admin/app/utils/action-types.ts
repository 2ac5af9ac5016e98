/** How each action type looks in the admin; the catalog's own label wins where it has one. */
export const ACTION_TYPES: Readonly<Record<string, { label: string; icon: string }>> = {
  QONTAK_SEND_ATTACHMENT: { label: 'Send Attachment', icon: 'i-lucide-paperclip' },
};

export function actionTypeOf(type: string) {
  return ACTION_TYPES[type] ?? { label: type, icon: 'i-lucide-zap' };
}
