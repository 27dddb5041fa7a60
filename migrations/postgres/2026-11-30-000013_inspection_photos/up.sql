-- Photos taken at an inspection (现场照片): resized and re-encoded as JPEG (location data dropped)
-- before they are stored under the upload directory; served only to staff and the merchant.
CREATE TABLE inspection_photos (
    id SERIAL PRIMARY KEY,
    inspection_id INTEGER NOT NULL REFERENCES inspections (id),
    merchant_id INTEGER NOT NULL REFERENCES merchants (id),
    storage_key TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    size_bytes BIGINT NOT NULL,
    uploaded_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX inspection_photos_inspection_idx ON inspection_photos (inspection_id);
CREATE INDEX inspection_photos_merchant_idx ON inspection_photos (merchant_id);
CREATE INDEX inspection_photos_uploaded_by_idx ON inspection_photos (uploaded_by);
