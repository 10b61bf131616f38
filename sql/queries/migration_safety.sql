-- What `burgernetctl migrate` checks before a migration that needs the daemons stopped.

-- name: BurgernetSessionsByHost :many
-- client_hostname is set only with log_hostname; client_addr is NULL on a Unix socket (and for
-- another role's sessions without pg_read_all_stats, hence the last fallback's wording).
SELECT coalesce(client_hostname, host(client_addr),
                CASE WHEN backend_type = 'client backend' AND client_port = -1 THEN 'local socket'
                     ELSE 'unknown host' END) AS host,
       count(*)
FROM pg_stat_activity
WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()
GROUP BY 1
ORDER BY 1;
