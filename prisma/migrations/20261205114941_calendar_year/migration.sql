-- CreateTable
CREATE TABLE "CalendarYear" (
    "year" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "source" TEXT NOT NULL,
    "daysOff" TEXT NOT NULL,
    "workingWeekends" TEXT NOT NULL,
    "shortened" TEXT NOT NULL,
    "importedBy" TEXT NOT NULL,
    "importedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

