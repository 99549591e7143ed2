import { FUNNEL_GROUPS } from '../analytics/dto/funnel.query.js';
import { arr, enumOf, int, nnum, ntime, num, o, str, time, type Schema } from './schema-kit.js';

const rates = o({ leadToMql: nnum, mqlToSql: nnum, sqlToOpportunity: nnum, sqlToWon: nnum, leadToWon: nnum });

/** The funnel report (analytics). */
export const ANALYTICS_SCHEMAS: Record<string, Schema> = {
  FunnelReport: o(
    {
      from: time,
      to: time,
      groupBy: enumOf(FUNNEL_GROUPS),
      programDataAsOf: { ...ntime, description: 'groupBy=program only' },
      groups: arr(
        o(
          {
            key: str,
            name: { type: 'string', description: 'groupBy=program only: the program name (key is its id)' },
            leads: int,
            mql: int,
            sql: int,
            opportunity: int,
            won: int,
            rates,
            revenuePerLead: nnum,
            revenuePerSql: nnum,
            revenue: num,
            currencies: arr(str),
            medianHoursToMql: nnum,
            medianHoursMqlToSql: nnum,
            sla: o({ handoffs: int, due: int, answeredInTime: int, compliance: nnum, medianResponseMinutes: nnum }),
          },
          ['name'],
        ),
      ),
      totals: o({ leads: int, mql: int, sql: int, opportunity: int, won: int, revenue: num, rates, revenuePerLead: nnum, revenuePerSql: nnum }),
    },
    ['programDataAsOf'],
  ),
};
