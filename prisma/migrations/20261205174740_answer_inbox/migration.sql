-- CreateTable
CREATE TABLE "AnswerInbox" (
    "requestId" TEXT NOT NULL PRIMARY KEY,
    "quarter" TEXT NOT NULL,
    "municipality" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimedBy" TEXT,
    "result" TEXT,
    "refusal" TEXT,
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "deliveredAt" DATETIME
);

-- CreateIndex
CREATE INDEX "AnswerInbox_state_nextAttemptAt_idx" ON "AnswerInbox"("state", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "AnswerInbox_quarter_municipality_idx" ON "AnswerInbox"("quarter", "municipality");

