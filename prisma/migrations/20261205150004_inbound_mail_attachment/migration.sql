-- AlterTable
ALTER TABLE "InboundMail" ADD COLUMN "attachmentName" TEXT;
ALTER TABLE "InboundMail" ADD COLUMN "attachmentSha256" TEXT;

