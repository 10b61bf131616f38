-- 0002: wake the delivery workers of every daemon when rows are queued. One notification per
-- statement, not per row: a fan-out of 200,000 rows is one wake-up.

CREATE FUNCTION burgernet_notify_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('burgernet_deliveries', '');
  RETURN NULL;
END;
$$;

CREATE TRIGGER deliveries_notify
  AFTER INSERT ON deliveries
  FOR EACH STATEMENT EXECUTE FUNCTION burgernet_notify_deliveries();
