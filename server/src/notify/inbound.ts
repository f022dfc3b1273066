// The inbound side of the channels, as ports: a provider's webhook verifies and parses its own form,
// then hands channel-neutral calls to these. The handlers live outside notify/ (the reply grammar and
// what a reply does are the alerting core's), so a provider never knows about alerts.

/** Replies of the people a channel reached. */
export interface InboundReplies {
  /** A text from a phone number; what to text back (null: nothing). */
  text(r: { from: string; text: string; channelId: string }): Promise<string | null>;
  /** Keys pressed during a page call (`providerId`: the provider's id of the call); what to say back. */
  keypress(r: { providerId: string; digits: string; channelId: string }): Promise<string>;
}

/** Delivery status updates of sent pages (the dispatcher). */
export interface DeliveryStatuses {
  /** The provider's status word for the message or call it knows as `providerId`; the channel reads it. */
  onProviderStatus(providerId: string, status: string, errorCode: string | null): Promise<unknown>;
}
