CREATE TABLE "search_sample" (
	"slot" integer PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"live" boolean NOT NULL,
	"search_document" "tsvector" NOT NULL
);
