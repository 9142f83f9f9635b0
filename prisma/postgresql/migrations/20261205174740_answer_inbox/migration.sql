-- CreateTable
CREATE TABLE "AnswerInbox" (
    "requestId" TEXT NOT NULL,
    "quarter" TEXT NOT NULL,
    "municipality" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimedBy" TEXT,
    "result" TEXT,
    "refusal" TEXT,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "AnswerInbox_pkey" PRIMARY KEY ("requestId")
);

-- CreateIndex
CREATE INDEX "AnswerInbox_state_nextAttemptAt_idx" ON "AnswerInbox"("state", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "AnswerInbox_quarter_municipality_idx" ON "AnswerInbox"("quarter", "municipality");

