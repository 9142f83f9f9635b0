-- DropIndex
DROP INDEX "Municipality_position_key";

-- AlterTable
ALTER TABLE "Municipality" ADD COLUMN     "headName" TEXT,
ADD COLUMN     "mergedInto" TEXT,
ADD COLUMN     "regionId" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "retiredAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "Region" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "genitive" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Region_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "QuarterMunicipality" (
    "quarter" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "sectionTitle" TEXT NOT NULL,
    "position" INTEGER NOT NULL,

    CONSTRAINT "QuarterMunicipality_pkey" PRIMARY KEY ("quarter","code")
);

-- CreateTable
CREATE TABLE "QuarterRegion" (
    "quarter" TEXT NOT NULL,
    "regionId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "genitive" TEXT NOT NULL,
    "takenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "QuarterRegion_pkey" PRIMARY KEY ("quarter")
);

-- CreateIndex
CREATE UNIQUE INDEX "Region_name_key" ON "Region"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Municipality_regionId_position_key" ON "Municipality"("regionId", "position");

