import { DurableObject } from 'cloudflare:workers';

/** Placeholder until the rate-limit work lands; proves the binding is wired. */
export class RateLimiter extends DurableObject<Env> {
  async ping(): Promise<string> {
    return 'pong';
  }
}
