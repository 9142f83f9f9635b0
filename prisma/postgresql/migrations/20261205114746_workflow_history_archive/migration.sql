-- CreateTable
CREATE TABLE "WorkflowHistoryArchive" (
    "workflowId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "quarter" TEXT NOT NULL,
    "municipality" TEXT,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "events" INTEGER NOT NULL,
    "history" BYTEA NOT NULL,
    "result" TEXT,
    "final" BOOLEAN NOT NULL DEFAULT false,
    "archivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WorkflowHistoryArchive_pkey" PRIMARY KEY ("workflowId","runId")
);

-- CreateIndex
CREATE INDEX "WorkflowHistoryArchive_quarter_kind_idx" ON "WorkflowHistoryArchive"("quarter", "kind");

