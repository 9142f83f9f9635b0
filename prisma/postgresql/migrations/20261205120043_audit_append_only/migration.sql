-- AlterTable
ALTER TABLE "Report" ADD COLUMN     "manifest" TEXT;

-- AlterTable
ALTER TABLE "AuditEntry" ADD COLUMN     "chainVersion" INTEGER NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "OfficialSignature" (
    "id" TEXT NOT NULL,
    "reportId" TEXT NOT NULL,
    "quarter" TEXT NOT NULL,
    "bytes" BYTEA NOT NULL,
    "algorithm" TEXT NOT NULL,
    "signer" TEXT NOT NULL,
    "signingTime" TIMESTAMP(3) NOT NULL,
    "uploadedBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OfficialSignature_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "OfficialSignature_quarter_idx" ON "OfficialSignature"("quarter");


-- The audit log is appended to only: nothing the application (or anyone without DDL rights) runs
-- may rewrite or remove an entry. A restore into an empty database INSERTs, which stays allowed.
-- The application role should also hold only INSERT and SELECT on the table (README, «Audit log»).
CREATE FUNCTION "svodka_audit_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'AuditEntry is append-only: % refused', TG_OP;
END;
$$;

CREATE TRIGGER "AuditEntry_no_update" BEFORE UPDATE OR DELETE ON "AuditEntry"
    FOR EACH ROW EXECUTE FUNCTION "svodka_audit_append_only"();

CREATE TRIGGER "AuditEntry_no_truncate" BEFORE TRUNCATE ON "AuditEntry"
    FOR EACH STATEMENT EXECUTE FUNCTION "svodka_audit_append_only"();
