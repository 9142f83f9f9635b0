-- AlterTable
ALTER TABLE "AuditEntry" ADD COLUMN     "actionId" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "AuditEntry_actionId_key" ON "AuditEntry"("actionId");

