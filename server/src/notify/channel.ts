// The Channel port: one way of reaching a person with a page (app, SMS, voice call, ...). Each channel
// says who it can reach, renders the page in its own form, sends it, and reads its provider's status
// words; the escalator and the dispatcher know channels only through this port and the registry.
// Replies coming back are not part of a channel: one provider's webhooks carry several channels'
// (a Twilio number gets texts and call keypresses), so they go through inbound.ts' ports instead.
import type { AlertRow } from '../store/index.js';
import type { MessageOwner, SmsResult } from './sms.js';
import type { PageFacts } from './page.js';
import type { StatusWords } from './twilio/status.js';

/** What a provider's delivery status means for the page: the dispatcher retries, fails over or waits. */
export type DeliveryOutcome = 'ok' | 'retryable' | 'permanent' | 'pending';

/** What the console and the chain schema know of a channel (GET /api/channels). */
export interface ChannelInfo {
  readonly id: string;
  /** English name, for the console when it has no translation of its own */
  readonly label: string;
  /** May only be a step's fallback channel (none of today's channels is) */
  readonly fallbackOnly?: boolean;
}

/**
 * Whom a page on a channel reaches: the person a target names (their open app, their browsers, their
 * phone), or an organisation standing in for them (an alarm centre's hand-off). Test pages, the
 * readiness checks (rota members with no working method) and the reminder SMS ask only of channels
 * that reach a person (ChannelRegistry.personal, personAddress).
 */
export type ChannelReach = 'person' | 'organisation';

/** Everything a page may say; each channel takes what its form needs. */
export interface PageRender {
  /** the alert paged (the push payload names it, so the notification opens it) */
  alertId: string;
  facts: PageFacts;
  /** the alert's four-character reply code */
  replyCode: string;
  /** the recipient's no-login link to this page */
  link: string;
  /** the alert's risk score (the hand-off channel tells the detection level) */
  score?: number;
  /** when the page is made (ms) */
  at?: number;
}

/**
 * A channel delivered at once to a signed-in user's open app (no provider, no queue): the step
 * records it sent when at least one connection took it.
 */
export interface LiveChannel extends ChannelInfo {
  readonly delivery: 'live';
  readonly reaches: ChannelReach;
  /** Hands the page to the user's open connections; returns how many took it. */
  push(userId: string, page: LivePage): number;
}

/** What a live page carries: the alert as stored, the wearer's alias, the chain position. */
export interface LivePage {
  alert: AlertRow;
  alias: string;
  step: number;
}

/**
 * A channel sent through a provider to a phone number (or to a user's registered browsers): the page is rendered when the step runs and
 * stored, then sent by the dispatcher's durable queue at the channel's rate; status callbacks arrive later.
 */
export interface QueuedChannel extends ChannelInfo {
  readonly delivery: 'queued';
  readonly reaches: ChannelReach;
  /**
   * What `send` gets as `to`: the target's phone number (default), or the app user's id (push: the
   * channel finds the user's subscriptions itself), or a hand-off endpoint's id (handoff: an alarm centre).
   */
  readonly address?: 'phone' | 'user' | 'endpoint';
  /** What is stored and sent for a page (an SMS body, the TwiML of a call). */
  render(page: PageRender): string;
  send(msg: { to: string; body: string; owner?: MessageOwner | undefined }): Promise<SmsResult>;
  /**
   * Channels that tell the recipient how the alert went on (handoff: CAP Update/Cancel): the body of a
   * later message about a change, made from the first page's stored body.
   */
  renderChange?(firstBody: string, change: 'acknowledged' | 'resolved' | 'cancelled', at: number): string;
  /** The provider's status word (and error code) for a sent page. */
  parseStatus(status: string, errorCode: string | null): DeliveryOutcome;
  /**
   * Channels whose provider reports later (status callbacks): what a status word tells the person
   * (a test page's result moves from "sent" to "delivered" or "failed: number unreachable").
   */
  statusWords?(status: string, errorCode: string | null): StatusWords;
  /** Messages per second per sending number; unset: the dispatcher's rate (SMS_RATE_PER_S) */
  readonly ratePerS?: number;
}

export type Channel = LiveChannel | QueuedChannel;
