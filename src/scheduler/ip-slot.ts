import type { Slot } from './slot.js';

/**
 * The budget of one target IP address (`concurrency.perIp`): hosts that resolve to the same
 * address share it. It holds no queue: domain slots blocked on it are parked in `waiters` and
 * woken when a unit comes back.
 */
export class IpSlot {
  readonly key: string;
  active = 0;
  peakActive = 0;
  readonly waiters = new Set<Slot>();

  constructor(key: string) {
    this.key = key;
  }

  take(): void {
    this.active++;
    if (this.active > this.peakActive) this.peakActive = this.active;
  }
}
