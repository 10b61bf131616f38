// A fresh database per test file in the cluster of BURGERNET_TEST_DATABASE_URL, dropped at the end.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';

export function clusterUrl() {
  const url = process.env.BURGERNET_TEST_DATABASE_URL;
  if (!url) throw new Error('BURGERNET_TEST_DATABASE_URL is not set: run the tests with scripts/test');
  return url;
}

// postgresql://user@/NAME?host=...: the name sits between the first '/' after the authority
// and the '?', as in tests/support/test_database.cpp.
export function urlForDatabase(url, name) {
  const scheme = url.indexOf('://');
  const slash = url.indexOf('/', scheme < 0 ? 0 : scheme + 3);
  if (slash < 0) throw new Error('cannot find the database name in the test URL');
  const question = url.indexOf('?', slash);
  return url.slice(0, slash + 1) + name + (question < 0 ? '' : url.slice(question));
}

function psql(url, sql) {
  return execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', '-d', url, '-c', sql], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

export class TestDatabase {
  constructor() {
    // Only letters, digits and _ : the name goes into CREATE DATABASE, which takes no parameter.
    this.name = `burgernet_console_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
    psql(clusterUrl(), `CREATE DATABASE ${this.name}`);
    this.url = urlForDatabase(clusterUrl(), this.name);
  }

  query(sql) {
    return psql(this.url, sql);
  }

  drop() {
    try {
      psql(clusterUrl(), `DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
    } catch {
      // A leftover test database is harmless: the cluster is private and thrown away.
    }
  }
}
