-- CreateTable
CREATE TABLE "WorkflowHistoryArchive" (
    "workflowId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "quarter" TEXT NOT NULL,
    "municipality" TEXT,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "events" INTEGER NOT NULL,
    "history" BLOB NOT NULL,
    "result" TEXT,
    "final" BOOLEAN NOT NULL DEFAULT false,
    "archivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("workflowId", "runId")
);

-- CreateIndex
CREATE INDEX "WorkflowHistoryArchive_quarter_kind_idx" ON "WorkflowHistoryArchive"("quarter", "kind");

