-- CreateTable
CREATE TABLE "NotificationSettings" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "digest" BOOLEAN NOT NULL DEFAULT true,
    "draftReady" BOOLEAN NOT NULL DEFAULT true,
    "signedOff" BOOLEAN NOT NULL DEFAULT true,
    "recipients" TEXT NOT NULL DEFAULT '',
    "updatedBy" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

