-- Municipality and police unit areas (burgernetctl areas import).

-- name: AreaUpsert :one
-- Stores the feature if its geometry is valid, or repairable: generalised boundaries (CBS's
-- among them) cross themselves in a few places, and ST_MakeValid mends such a slip without
-- changing the area; a shape whose repair changes its area by more than 1% (a bowtie drawn on
-- purpose, rings in the wrong order) is refused with the reason. `repaired` says which.
WITH g AS (
  SELECT ST_SetSRID(ST_GeomFromGeoJSON($3), 4326) AS geom
),
checked AS (
  SELECT geom, ST_IsValid(geom) AS valid, ST_IsValidReason(geom) AS reason,
         CASE WHEN NOT ST_IsValid(geom) THEN ST_CollectionExtract(ST_MakeValid(geom), 3) END AS mended
  FROM g
),
usable AS (
  SELECT CASE WHEN valid THEN geom ELSE mended END AS geom, NOT valid AS repaired, reason
  FROM checked
  WHERE valid OR (NOT ST_IsEmpty(mended)
                  AND abs(ST_Area(mended::geography) - ST_Area(geom::geography)) <= 0.01 * ST_Area(mended::geography))
),
stored AS (
  INSERT INTO areas (code, name, geom)
  SELECT $1, $2, ST_Multi(ST_Transform(usable.geom, 28992)) FROM usable
  ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, geom = EXCLUDED.geom, imported_at = now()
  RETURNING code
)
SELECT (SELECT count(*) FROM stored) AS stored, (SELECT reason FROM checked) AS reason,
       coalesce((SELECT repaired FROM usable), false) AS repaired;

-- name: AreaExists :one
SELECT EXISTS (SELECT 1 FROM areas WHERE code = $1);
