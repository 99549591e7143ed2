import { FUNNEL_GROUPS } from '../analytics/dto/funnel.query.js';
import { arr, enumOf, int, nnum, ntime, num, o, str, time, type Schema } from './schema-kit.js';

const rates = o({ leadToMql: nnum, mqlToSql: nnum, sqlToOpportunity: nnum, sqlToWon: nnum, leadToWon: nnum });

/** The figures of a group, and of all leads of the period (`totals`). */
const figures = {
  leads: int,
  mql: int,
  sql: int,
  opportunity: int,
  won: int,
  rates,
  revenue: { ...num, description: 'Value of the won deals in reportingCurrency (a deal without a currency counts as in it); other currencies are in revenueByCurrency, never converted' },
  revenuePerLead: { ...nnum, description: 'revenue / leads, in reportingCurrency' },
  revenuePerSql: { ...nnum, description: 'revenue / sql, in reportingCurrency' },
  currencies: { ...arr(str), description: 'The currencies of revenueByCurrency' },
  revenueByCurrency: {
    ...arr(o({ currency: str, revenue: num, revenuePerLead: nnum, revenuePerSql: nnum })),
    description: "Every currency's won deal value, by currency code, with its revenue per lead and per SQL (over all leads and SQLs)",
  },
  medianHoursToMql: nnum,
  medianHoursMqlToSql: nnum,
  sla: o({ handoffs: int, due: int, answeredInTime: int, compliance: nnum, medianResponseMinutes: nnum }),
};

/** The funnel report (analytics). */
export const ANALYTICS_SCHEMAS: Record<string, Schema> = {
  FunnelReport: o(
    {
      from: time,
      to: { ...time, description: 'The end of the period, exclusive (a date given as to: the start of the next day)' },
      groupBy: enumOf(FUNNEL_GROUPS),
      reportingCurrency: { ...str, description: 'REPORTING_CURRENCY: the currency of revenue, revenuePerLead and revenuePerSql' },
      programDataAsOf: { ...ntime, description: 'groupBy=program only' },
      groups: arr(
        o(
          {
            key: str,
            name: { type: 'string', description: 'groupBy=program only: the program name (key is its id)' },
            ...figures,
          },
          ['name'],
        ),
      ),
      totals: {
        ...o(figures),
        description:
          'Every lead created in the period, whatever the grouping (medians and SLA computed over them, not averaged from the groups); by program, leads in no program count too and a lead in several programs once',
      },
    },
    ['programDataAsOf'],
  ),
};
