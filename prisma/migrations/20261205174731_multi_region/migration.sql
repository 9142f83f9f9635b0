-- AlterTable
ALTER TABLE "Region" ADD COLUMN "code" TEXT;

-- AlterTable
ALTER TABLE "User" ADD COLUMN "regionId" INTEGER;

-- CreateIndex
CREATE UNIQUE INDEX "Region_code_key" ON "Region"("code");

