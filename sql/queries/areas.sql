-- Municipality and police unit areas (burgernetctl areas import).

-- name: AreaUpsert :one
-- Stores the feature only if its geometry is valid; returns why not otherwise.
WITH g AS (
  SELECT ST_SetSRID(ST_GeomFromGeoJSON($3), 4326) AS geom
),
stored AS (
  INSERT INTO areas (code, name, geom)
  SELECT $1, $2, ST_Multi(ST_Transform(g.geom, 28992)) FROM g WHERE ST_IsValid(g.geom)
  ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, geom = EXCLUDED.geom, imported_at = now()
  RETURNING code
)
SELECT (SELECT count(*) FROM stored) AS stored, (SELECT ST_IsValidReason(geom) FROM g) AS reason;

-- name: AreaExists :one
SELECT EXISTS (SELECT 1 FROM areas WHERE code = $1);
