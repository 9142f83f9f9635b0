-- AlterTable
ALTER TABLE "Report" ADD COLUMN     "signature" TEXT;

