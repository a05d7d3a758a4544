import { DurableObject } from 'cloudflare:workers';

/** Placeholder until download counting lands; proves the binding is wired. */
export class DownloadCounter extends DurableObject<Env> {
  async ping(): Promise<string> {
    return 'pong';
  }
}
