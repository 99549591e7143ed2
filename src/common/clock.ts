import { Injectable } from '@nestjs/common';

/** The source of "now" for all domain code. Tests replace it with a {@link ManualClock}. */
export abstract class Clock {
  abstract now(): Date;
}

@Injectable()
export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

/** A clock that only moves when told to; for tests and simulations. */
export class ManualClock extends Clock {
  private current: number;
  constructor(start: Date | string = '2026-01-05T09:00:00Z') {
    super();
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  set(to: Date | string): void {
    this.current = new Date(to).getTime();
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
