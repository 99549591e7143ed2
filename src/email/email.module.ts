import { Logger, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ScoringModule } from '../scoring/scoring.module.js';
import { SuppressionModule } from '../suppression/suppression.module.js';
import { DeliveryService } from './delivery.service.js';
import { DevMailboxService } from './dev-mailbox.service.js';
import { EmailDeliveryRepository } from './email-delivery.repository.js';
import { EmailStatsService } from './email-stats.service.js';
import { EmailService } from './email.service.js';
import { HeldMessagesRepository } from './held-messages.repository.js';
import { MessageComposer } from './message-composer.service.js';
import { MessageRenderer } from './message-renderer.service.js';
import { NurtureMailer } from './nurture-mailer.js';
import { QueuedMessagesRepository } from './queued-messages.repository.js';
import { SendRateLimiter } from './send-rate-limiter.js';
import { TemplateCompilePool } from './template-compile-pool.js';
import { TemplateCompilerService } from './template-compiler.service.js';
import { TemplateStore } from './template-store.service.js';
import { DevMailboxTransport } from './transport/dev-mailbox.transport.js';
import { MailTransport } from './transport/mail-transport.js';

/**
 * Email for every process role: `NurtureMailer` for programs (enqueue in the caller's transaction,
 * dispatch after commit), delivery for the worker, template compiling and rendering. Controllers live in
 * EmailApiModule (API role); the processor and sweep are registered by the WorkerModule.
 */
@Module({
  imports: [ScoringModule, SuppressionModule],
  providers: [
    EmailService,
    { provide: NurtureMailer, useExisting: EmailService },
    EmailDeliveryRepository,
    HeldMessagesRepository,
    QueuedMessagesRepository,
    DeliveryService,
    MessageComposer,
    MessageRenderer,
    TemplateCompilerService,
    {
      provide: TemplateCompilePool,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => TemplateCompilePool.forConfig(config),
    },
    TemplateStore,
    SendRateLimiter,
    EmailStatsService,
    DevMailboxService,
    {
      provide: MailTransport,
      inject: [APP_CONFIG, DataSource],
      useFactory: async (config: AppConfig, db: DataSource): Promise<MailTransport> => {
        // Imported only when SMTP is configured: without it, a process never loads nodemailer.
        if (config.email.smtpUrl) return new (await import('./transport/smtp.transport.js')).SmtpTransport(config.email);
        if (config.production) new Logger('EmailModule').warn('SMTP_URL is not set: email goes to the development mailbox and reaches nobody');
        return new DevMailboxTransport(db);
      },
    },
  ],
  exports: [
    NurtureMailer,
    EmailService,
    DeliveryService,
    EmailDeliveryRepository,
    HeldMessagesRepository,
    QueuedMessagesRepository,
    MessageRenderer,
    TemplateCompilerService,
    TemplateStore,
    EmailStatsService,
    DevMailboxService,
    MailTransport,
  ],
})
export class EmailModule {}
