-- CreateTable
CREATE TABLE "Region" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "genitive" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "QuarterMunicipality" (
    "quarter" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "sectionTitle" TEXT NOT NULL,
    "position" INTEGER NOT NULL,

    PRIMARY KEY ("quarter", "code")
);

-- CreateTable
CREATE TABLE "QuarterRegion" (
    "quarter" TEXT NOT NULL PRIMARY KEY,
    "regionId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "genitive" TEXT NOT NULL,
    "takenAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Municipality" (
    "code" TEXT NOT NULL PRIMARY KEY,
    "regionId" INTEGER NOT NULL DEFAULT 1,
    "name" TEXT NOT NULL,
    "sectionTitle" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "email" TEXT NOT NULL,
    "headEmail" TEXT,
    "headName" TEXT,
    "retiredAt" DATETIME,
    "mergedInto" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Municipality" ("code", "createdAt", "email", "headEmail", "name", "position", "sectionTitle", "updatedAt") SELECT "code", "createdAt", "email", "headEmail", "name", "position", "sectionTitle", "updatedAt" FROM "Municipality";
DROP TABLE "Municipality";
ALTER TABLE "new_Municipality" RENAME TO "Municipality";
CREATE UNIQUE INDEX "Municipality_regionId_position_key" ON "Municipality"("regionId", "position");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "Region_name_key" ON "Region"("name");

