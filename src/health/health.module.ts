import { Module } from '@nestjs/common';
import { EmailModule } from '../email/email.module.js';
import { HealthController } from './health.controller.js';

@Module({ imports: [EmailModule], controllers: [HealthController] })
export class HealthModule {}
