PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE users (
	id INTEGER NOT NULL, 
	email VARCHAR NOT NULL, 
	username VARCHAR NOT NULL, 
	hashed_password VARCHAR NOT NULL, 
	is_active BOOLEAN, 
	is_superuser BOOLEAN, 
	created_at DATETIME DEFAULT CURRENT_TIMESTAMP, 
	updated_at DATETIME, 
	PRIMARY KEY (id)
);
INSERT INTO users VALUES(1,'test@example.com','testuser','(removed)',1,0,'2025-07-28 18:03:02',NULL);
CREATE TABLE samples (
	id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	title VARCHAR NOT NULL, 
	file_path VARCHAR NOT NULL, 
	file_size INTEGER, 
	duration FLOAT, 
	bpm FLOAT, 
	musical_key VARCHAR, 
	genre VARCHAR, 
	tags JSON, 
	extra_metadata JSON, 
	created_at DATETIME DEFAULT CURRENT_TIMESTAMP, 
	analyzed_at DATETIME, 
	last_accessed_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES users (id)
);
INSERT INTO samples VALUES(1,1,'Sample 1 - energetic','uploads/1/684ac459-a2d8-4e09-af2b-d40201cc3b3f.wav',15,NULL,92.0,'Dm','jazz','["energetic", "bass"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(2,1,'Sample 2 - dark','uploads/1/07052a79-9cd0-4cd3-b053-d9596fbe5629.wav',15,NULL,89.0,'E','electronic','["dark", "melody"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(3,1,'Sample 3 - uplifting','uploads/1/5a68f105-74d4-4496-b77e-4e51d6536178.wav',15,NULL,84.0,'Fm','soul','["uplifting", "vocals"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(4,1,'Sample 4 - mysterious','uploads/1/d47b7c97-482f-4385-981b-091320b7e2ba.wav',15,NULL,160.0,'G','trap','["mysterious", "fx"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(5,1,'Sample 5 - chill','uploads/1/dd276364-d356-4eef-82bb-b7483813c2f1.wav',15,NULL,65.0,'Am','hip-hop','["chill", "drums"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(6,1,'Sample 6 - energetic','uploads/1/ca4959fd-63d4-416f-a90b-ec01bdba961f.wav',15,NULL,169.0,'B','jazz','["energetic", "bass"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(7,1,'Sample 7 - dark','uploads/1/280833a9-7bc5-4bc4-aa3b-b4dce1867eaf.wav',15,NULL,112.0,'Cm','electronic','["dark", "melody"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(8,1,'Sample 8 - uplifting','uploads/1/834afb38-5c0e-4841-8eb7-647c252ee800.wav',15,NULL,174.0,'D','soul','["uplifting", "vocals"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(9,1,'Sample 9 - mysterious','uploads/1/d65c8012-37ea-48d9-a24c-7a0cd8cb9a54.wav',15,NULL,140.0,'Em','trap','["mysterious", "fx"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(10,1,'Sample 10 - chill','uploads/1/65f94435-43eb-4408-97fa-fe6ba0e6da09.wav',15,NULL,160.0,'F','hip-hop','["chill", "drums"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(11,1,'Sample 11 - energetic','uploads/1/23ba5b41-ea11-49ad-8b25-61daa2d4ad8c.wav',15,NULL,81.0,'Gm','jazz','["energetic", "bass"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(12,1,'Sample 12 - dark','uploads/1/91ab9218-ce08-48bb-92b8-d93f2b85a463.wav',15,NULL,94.0,'A','electronic','["dark", "melody"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(13,1,'Sample 13 - uplifting','uploads/1/6ffd08af-2529-469e-a959-70c35a611e1b.wav',15,NULL,151.0,'Bm','soul','["uplifting", "vocals"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(14,1,'Sample 14 - mysterious','uploads/1/06e06744-f0a5-4b9f-9676-78bcafccb47d.wav',15,NULL,82.0,'C','trap','["mysterious", "fx"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(15,1,'Sample 15 - chill','uploads/1/e9795c12-7836-40c5-944e-b258b09da651.wav',15,NULL,76.0,'Dm','hip-hop','["chill", "drums"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(16,1,'Sample 16 - energetic','uploads/1/89b861e7-8c04-4ffe-bdba-57085e882d17.wav',15,NULL,129.0,'E','jazz','["energetic", "bass"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(17,1,'Sample 17 - dark','uploads/1/c07bf25f-48cb-4baa-b36f-578437e013b5.wav',15,NULL,87.0,'Fm','electronic','["dark", "melody"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(18,1,'Sample 18 - uplifting','uploads/1/2a08e0dc-4d43-4979-97cd-6c977315313d.wav',15,NULL,112.0,'G','soul','["uplifting", "vocals"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(19,1,'Sample 19 - mysterious','uploads/1/6c3a7fb7-2a69-4fc5-8816-56fbf9af4581.wav',15,NULL,71.0,'Am','trap','["mysterious", "fx"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(20,1,'Sample 20 - chill','uploads/1/0e4bc2e4-5868-4bd4-b7e4-5af317dc32c1.wav',15,NULL,87.0,'B','hip-hop','["chill", "drums"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(21,1,'Sample 21 - energetic','uploads/1/818b85c6-0414-4213-9611-cd05a367fa0c.wav',15,NULL,153.0,'Cm','jazz','["energetic", "bass"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(22,1,'Sample 22 - dark','uploads/1/f276d89e-ff89-43c4-a5c2-f4aee4f47636.wav',15,NULL,179.0,'D','electronic','["dark", "melody"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(23,1,'Sample 23 - uplifting','uploads/1/4f469426-6e35-4292-839c-15770544c6f5.wav',15,NULL,111.0,'Em','soul','["uplifting", "vocals"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(24,1,'Sample 24 - mysterious','uploads/1/b4821b59-ff72-495a-8234-eb472d261577.wav',15,NULL,168.0,'F','trap','["mysterious", "fx"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(25,1,'Sample 25 - chill','uploads/1/0260cba8-7bfb-4088-898f-dfd4370504eb.wav',15,NULL,137.0,'Gm','hip-hop','["chill", "drums"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(26,1,'Sample 26 - energetic','uploads/1/74e9568c-91e0-41ef-b2d3-ae7990ec9773.wav',15,NULL,162.0,'A','jazz','["energetic", "bass"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(27,1,'Sample 27 - dark','uploads/1/62b91d83-201f-4f15-83dc-49460b90af78.wav',15,NULL,129.0,'Bm','electronic','["dark", "melody"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(28,1,'Sample 28 - uplifting','uploads/1/080b9b05-584d-4e47-8cbf-efbb70a37bcf.wav',15,NULL,173.0,'C','soul','["uplifting", "vocals"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(29,1,'Sample 29 - mysterious','uploads/1/40c9483a-2b60-450c-bd6f-96d6cb495547.wav',15,NULL,124.0,'Dm','trap','["mysterious", "fx"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(30,1,'Sample 30 - chill','uploads/1/7d8a847b-7d7e-489e-9086-5f1f4859c911.wav',15,NULL,130.0,'E','hip-hop','["chill", "drums"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(31,1,'Sample 31 - energetic','uploads/1/c2a2212b-dd4c-43f9-83ad-6283622107e9.wav',15,NULL,167.0,'Fm','jazz','["energetic", "bass"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(32,1,'Sample 32 - dark','uploads/1/ae19cc32-f53a-416c-8d03-2114526e02bb.wav',15,NULL,71.0,'G','electronic','["dark", "melody"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(33,1,'Sample 33 - uplifting','uploads/1/152c36f2-0111-41b4-9ae8-1f40999cf4d0.wav',15,NULL,179.0,'Am','soul','["uplifting", "vocals"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(34,1,'Sample 34 - mysterious','uploads/1/4a19bbf0-13dd-422f-8b55-a75e772453e8.wav',15,NULL,159.0,'B','trap','["mysterious", "fx"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(35,1,'Sample 35 - chill','uploads/1/29f664a1-95e0-4fd3-9283-649be77903df.wav',15,NULL,146.0,'Cm','hip-hop','["chill", "drums"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(36,1,'Sample 36 - energetic','uploads/1/32a1f8ad-e5a7-4815-bf00-1f88431317a4.wav',15,NULL,86.0,'D','jazz','["energetic", "bass"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(37,1,'Sample 37 - dark','uploads/1/f313fe3c-72b9-4f60-9e5e-6ad75510983c.wav',15,NULL,92.0,'Em','electronic','["dark", "melody"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(38,1,'Sample 38 - uplifting','uploads/1/ad3d01e5-cadd-4def-8302-61a88ab178a4.wav',15,NULL,77.0,'F','soul','["uplifting", "vocals"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(39,1,'Sample 39 - mysterious','uploads/1/612f651a-1a88-43dd-b0b6-e2c93c27ee52.wav',15,NULL,134.0,'Gm','trap','["mysterious", "fx"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(40,1,'Sample 40 - chill','uploads/1/593e077d-472c-4783-85ed-083da33a9a0c.wav',15,NULL,117.0,'A','hip-hop','["chill", "drums"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(41,1,'Sample 41 - energetic','uploads/1/cf0c70fd-4809-4c1b-9a5b-d2cb5b0a47cf.wav',15,NULL,95.0,'Bm','jazz','["energetic", "bass"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(42,1,'Sample 42 - dark','uploads/1/015c85a6-2b69-4cad-93f6-e070298dec2c.wav',15,NULL,80.0,'C','electronic','["dark", "melody"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(43,1,'Sample 43 - uplifting','uploads/1/b408d792-1627-49e7-9004-c5661075b440.wav',15,NULL,70.0,'Dm','soul','["uplifting", "vocals"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(44,1,'Sample 44 - mysterious','uploads/1/ffb63ae2-1e64-4ed1-87f5-5c03b5568994.wav',15,NULL,115.0,'E','trap','["mysterious", "fx"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(45,1,'Sample 45 - chill','uploads/1/c625d07d-3b4e-45b9-98b0-ab6345b82767.wav',15,NULL,155.0,'Fm','hip-hop','["chill", "drums"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(46,1,'Sample 46 - energetic','uploads/1/848aeae5-097c-40a9-9f2d-7ca933a97fca.wav',15,NULL,117.0,'G','jazz','["energetic", "bass"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(47,1,'Sample 47 - dark','uploads/1/9e2bdb2b-b62a-408c-86c9-85343d088630.wav',15,NULL,138.0,'Am','electronic','["dark", "melody"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(48,1,'Sample 48 - uplifting','uploads/1/329e2af3-54e4-430a-a76b-6b62c02c9da3.wav',15,NULL,146.0,'B','soul','["uplifting", "vocals"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(49,1,'Sample 49 - mysterious','uploads/1/de45e28a-229e-4772-a41d-abe7875087bf.wav',15,NULL,111.0,'Cm','trap','["mysterious", "fx"]','{}','2025-07-28 18:03:02',NULL,NULL);
INSERT INTO samples VALUES(50,1,'Sample 50 - chill','uploads/1/ee9051fb-51ac-4b9b-a8ef-1eafeb323bce.wav',15,NULL,81.0,'D','hip-hop','["chill", "drums"]','{}','2025-07-28 18:03:02',NULL,NULL);
CREATE UNIQUE INDEX ix_users_email ON users (email);
CREATE UNIQUE INDEX ix_users_username ON users (username);
CREATE INDEX ix_users_id ON users (id);
CREATE INDEX ix_samples_id ON samples (id);
CREATE INDEX ix_samples_title ON samples (title);
CREATE INDEX ix_samples_genre ON samples (genre);
CREATE INDEX ix_samples_bpm ON samples (bpm);
COMMIT;
