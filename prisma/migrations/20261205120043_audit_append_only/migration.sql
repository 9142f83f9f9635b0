-- AlterTable
ALTER TABLE "Report" ADD COLUMN "manifest" TEXT;

-- CreateTable
CREATE TABLE "OfficialSignature" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "reportId" TEXT NOT NULL,
    "quarter" TEXT NOT NULL,
    "bytes" BLOB NOT NULL,
    "algorithm" TEXT NOT NULL,
    "signer" TEXT NOT NULL,
    "signingTime" DATETIME NOT NULL,
    "uploadedBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_AuditEntry" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "quarter" TEXT,
    "municipality" TEXT,
    "action" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "origin" TEXT NOT NULL,
    "detail" TEXT NOT NULL,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "chainVersion" INTEGER NOT NULL DEFAULT 1
);
INSERT INTO "new_AuditEntry" ("action", "actor", "at", "detail", "hash", "id", "municipality", "origin", "prevHash", "quarter") SELECT "action", "actor", "at", "detail", "hash", "id", "municipality", "origin", "prevHash", "quarter" FROM "AuditEntry";
DROP TABLE "AuditEntry";
ALTER TABLE "new_AuditEntry" RENAME TO "AuditEntry";
CREATE UNIQUE INDEX "AuditEntry_hash_key" ON "AuditEntry"("hash");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "OfficialSignature_quarter_idx" ON "OfficialSignature"("quarter");


-- The audit log is appended to only: nothing the application (or anyone without DDL rights) runs
-- may rewrite or remove an entry. A restore into an empty database INSERTs, which stays allowed.
CREATE TRIGGER "AuditEntry_no_update" BEFORE UPDATE ON "AuditEntry"
BEGIN
    SELECT RAISE(ABORT, 'AuditEntry is append-only: UPDATE refused');
END;

CREATE TRIGGER "AuditEntry_no_delete" BEFORE DELETE ON "AuditEntry"
BEGIN
    SELECT RAISE(ABORT, 'AuditEntry is append-only: DELETE refused');
END;
