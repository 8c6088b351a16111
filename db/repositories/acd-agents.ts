/**
 * Operators as the ACD sees them (T5): the SIP user, its skills (a language or purpose at a level 1-5) and a
 * penalty per queue (lower is offered first, as in app_queue). Checked by the caller before `put`.
 */
import type { Db } from '../connection.js';

export interface AcdAgent {
  /** The SIP user name (sip_accounts.sip_user). */
  agent: string;
  skills: Record<string, number>;
  penalties: Record<string, number>;
  updatedAt: string;
}

interface AgentRow {
  agent: string;
  skills: string;
  penalties: string;
  updated_at: string;
}

const toAgent = (r: AgentRow): AcdAgent => ({
  agent: r.agent,
  skills: JSON.parse(r.skills) as Record<string, number>,
  penalties: JSON.parse(r.penalties) as Record<string, number>,
  updatedAt: r.updated_at,
});

export class AcdAgentsRepository {
  constructor(private readonly db: Db) {}

  async list(): Promise<AcdAgent[]> {
    return (await this.db<AgentRow>('acd_agents').orderBy('agent')).map(toAgent);
  }

  async get(agent: string): Promise<AcdAgent | undefined> {
    const row = await this.db<AgentRow>('acd_agents').where({ agent }).first();
    return row ? toAgent(row) : undefined;
  }

  /** Sets an agent's skills and penalties, replacing what it had. */
  async put(agent: string, skills: Record<string, number>, penalties: Record<string, number>, at: Date): Promise<void> {
    await this.db('acd_agents')
      .insert({ agent, skills: JSON.stringify(skills), penalties: JSON.stringify(penalties), updated_at: at.toISOString() })
      .onConflict('agent')
      .merge();
  }
}
