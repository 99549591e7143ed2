import { Module } from '@nestjs/common';
import { DevMailboxController } from './dev-mailbox.controller.js';
import { EmailController } from './email.controller.js';
import { EmailModule } from './email.module.js';

/** The HTTP side of email (API role): delivery stats and records, and the development mailbox pages. */
@Module({
  imports: [EmailModule],
  controllers: [EmailController, DevMailboxController],
})
export class EmailApiModule {}
