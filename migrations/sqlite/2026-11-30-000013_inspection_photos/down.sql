DROP TABLE inspection_photos;
