// The admin menu's calls for webhooks (issue 17), typed with the generated API types.
import type { DeliveryList, DeliveryOut, WebhookCreated, WebhookIn, WebhookList, WebhookOut, WebhookPatch } from '../shared/api-types';
import { api } from '../shared/session';

const id = encodeURIComponent;

export const listWebhooks = () => api.get<WebhookList>('/api/admin/webhooks');
export const createWebhook = (body: WebhookIn) => api.post<WebhookCreated>('/api/admin/webhooks', body);
export const patchWebhook = (hookId: string, body: WebhookPatch) => api.patch<WebhookOut>(`/api/admin/webhooks/${id(hookId)}`, body);
export const deleteWebhook = (hookId: string) => api.delete<void>(`/api/admin/webhooks/${id(hookId)}`);
export const listDeliveries = (hookId: string) => api.get<DeliveryList>(`/api/admin/webhooks/${id(hookId)}/deliveries`);
export const resendDelivery = (hookId: string, deliveryId: string) =>
  api.post<DeliveryOut>(`/api/admin/webhooks/${id(hookId)}/deliveries/${id(deliveryId)}/resend`, {});
