/**
 * The records and the repository interface of console accounts (users, sessions, memberships,
 * invitations, email links, the audit log); implemented in account-repository.ts and
 * membership-repository.ts.
 *
 * @module
 */

export interface UserRecord {
  id: string
  email: string
  passwordHash: string
  emailVerifiedAt: string | null
  operator: boolean
  createdAt: string
  passwordChangedAt: string
  /** The TOTP secret, encrypted with the master key; null: no two-factor. */
  totpSecret: string | null
  /** When two-factor was confirmed; null: set up but not on (or off). */
  totpEnabledAt: string | null
  /** The last TOTP time step accepted (a code is never accepted twice). */
  totpLastStep: number | null
}

export interface SessionRecord {
  id: string
  tokenHash: string
  userId: string
  workspaceId: string | null
  csrfToken: string
  createdAt: string
  lastSeenAt: string
  expiresAt: string
  ip: string | null
  userAgent: string | null
}

export interface MembershipRecord {
  workspaceId: string
  workspaceName: string
  role: string
}

export interface MemberRecord {
  userId: string
  email: string
  role: string
  joinedAt: string
}

export interface InviteRecord {
  id: string
  workspaceId: string
  email: string
  role: string
  tokenHash: string
  invitedBy: string
  createdAt: string
  expiresAt: string
  acceptedAt: string | null
  revokedAt: string | null
}

export interface AuditRecord {
  id: string
  workspaceId: string
  actor: string
  action: string
  target: string | null
  ip: string | null
  createdAt: string
}

export type EmailTokenPurpose = 'verify' | 'reset'

export interface AccountRepository {
  /** false when the email is taken. */
  createUser(user: UserRecord): Promise<boolean>
  findUser(id: string): Promise<UserRecord | undefined>
  findUserByEmail(email: string): Promise<UserRecord | undefined>
  setEmailVerified(userId: string, at: string): Promise<void>
  setPassword(userId: string, passwordHash: string, at: string): Promise<void>
  /** false for an unknown email. */
  setOperator(email: string, operator: boolean): Promise<boolean>
  /** Sets (or clears, with nulls) the user's TOTP secret and when it was confirmed. */
  setTotp(userId: string, secret: string | null, enabledAt: string | null): Promise<void>
  /** Records an accepted TOTP step; false when this or a later step was already used (a replay). */
  recordTotpStep(userId: string, step: number): Promise<boolean>

  createSession(session: SessionRecord): Promise<void>
  findSessionByTokenHash(tokenHash: string): Promise<SessionRecord | undefined>
  touchSession(id: string, lastSeenAt: string): Promise<void>
  setSessionWorkspace(id: string, workspaceId: string | null): Promise<void>
  listSessions(userId: string): Promise<SessionRecord[]>
  /** Deletes one of the user's sessions; false when it is not theirs or gone. */
  deleteSession(userId: string, id: string): Promise<boolean>
  /** Deletes every session of the user but `exceptId`; returns how many. */
  deleteUserSessions(userId: string, exceptId?: string): Promise<number>

  /** The user's workspaces with their role, by name. */
  membershipsOf(userId: string): Promise<MembershipRecord[]>
  roleOf(workspaceId: string, userId: string): Promise<string | undefined>
  addMember(workspaceId: string, userId: string, role: string, at: string): Promise<void>
  listMembers(workspaceId: string): Promise<MemberRecord[]>
  setRole(workspaceId: string, userId: string, role: string): Promise<boolean>
  removeMember(workspaceId: string, userId: string): Promise<boolean>
  /** In one transaction: `toUserId` becomes owner, `fromUserId` admin. */
  transferOwnership(workspaceId: string, fromUserId: string, toUserId: string): Promise<void>

  createInvite(invite: InviteRecord): Promise<void>
  /** Open invitations (not accepted, revoked or expired). */
  listInvites(workspaceId: string, now: string): Promise<InviteRecord[]>
  findInviteByTokenHash(tokenHash: string): Promise<InviteRecord | undefined>
  /**
   * Accepts an open invitation for `userId` in one transaction: marks it used and adds (or
   * updates) the membership. Returns the invitation, or undefined when it is not open any more.
   */
  acceptInvite(tokenHash: string, userId: string, now: string): Promise<InviteRecord | undefined>
  revokeInvite(workspaceId: string, id: string, at: string): Promise<boolean>

  createEmailToken(token: {
    tokenHash: string
    userId: string
    purpose: EmailTokenPurpose
    createdAt: string
    expiresAt: string
  }): Promise<void>
  /** Marks an unexpired, unused token used; returns its user, or undefined. */
  consumeEmailToken(tokenHash: string, purpose: EmailTokenPurpose, now: string): Promise<string | undefined>

  appendAudit(entry: AuditRecord): Promise<void>
  /** Newest first; `before` is an entry ID to page from. */
  listAudit(
    workspaceId: string,
    options: { limit: number; before?: string | undefined },
  ): Promise<AuditRecord[]>
}
