-- AlterTable
ALTER TABLE "InboundMail" ADD COLUMN     "attachmentName" TEXT,
ADD COLUMN     "attachmentSha256" TEXT;

