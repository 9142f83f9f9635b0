-- CreateTable
CREATE TABLE "NotificationSettings" (
    "id" TEXT NOT NULL,
    "digest" BOOLEAN NOT NULL DEFAULT true,
    "draftReady" BOOLEAN NOT NULL DEFAULT true,
    "signedOff" BOOLEAN NOT NULL DEFAULT true,
    "recipients" TEXT NOT NULL DEFAULT '',
    "updatedBy" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "NotificationSettings_pkey" PRIMARY KEY ("id")
);

