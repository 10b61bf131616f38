// The system under test: a fresh database with the 342 municipalities and a sample population,
// four tokens, and build/burgernetd on a free loopback port with file channels.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { TestDatabase } from './database.mjs';
import { ctlBinary, daemonBinary, municipalitiesFile } from './paths.mjs';
import { writePopulationCsv } from './population.mjs';

const run = promisify(execFile);
const kChannels = ['voice', 'sms', 'push', 'twitter'];
const kReadyTimeoutMs = 20000;
const kStopTimeoutMs = 10000;
// Low, so that the circle of the operator's test needs the confirmation dialog.
export const kConfirmAbove = 1000;

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// "HH:MM" in Europe/Amsterdam, `minutes` from now: the night rule is read in that zone.
function amsterdamClock(minutes) {
  const at = new Date(Date.now() + minutes * 60000);
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Amsterdam',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
}

function writeConfig(dir, databaseUrl, port, { night }) {
  const channels = {};
  for (const name of kChannels) channels[name] = { driver: 'file', path: path.join(dir, 'outbox', `${name}.jsonl`) };
  // Push matched on the phone beside push matched on the server, as during a migration: the
  // console says its count is an estimate.
  channels.app_cells = { driver: 'file', path: path.join(dir, 'outbox', 'app_cells.jsonl'), form: 'push', matching: 'device' };
  // Equal times switch the night rule off, so that the daytime tests pass at any hour; the
  // night tests put now in the middle of a two-hour night.
  const alerts = night
    ? { night_from: amsterdamClock(-60), night_to: amsterdamClock(60) }
    : { night_from: '00:00', night_to: '00:00' };
  const config = {
    http: { listen: `127.0.0.1:${port}` },
    database: { url: databaseUrl },
    privacy: { key_file: path.join(dir, 'keys/personal-data.key'), lookup_key_file: path.join(dir, 'keys/lookup.key') },
    channels,
    alerts,
    limits: { confirm_above: kConfirmAbove },
    events: { heartbeat_s: 5 },
    queue: { poll_ms: 200 },
  };
  fs.mkdirSync(path.join(dir, 'outbox'), { recursive: true });
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return { file, config };
}

export class Stack {
  // `night`: a daemon whose alert night holds now.
  static async start({ night = false } = {}) {
    const stack = new Stack();
    try {
      await stack.#start(night);
    } catch (error) {
      const log = stack.daemonLog();
      await stack.stop();
      throw new Error(`${error.message}\n--- burgernetd log ---\n${log}`);
    }
    return stack;
  }

  async #start(night) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burgernet-console-'));
    this.database = new TestDatabase();
    this.port = await freePort();
    this.baseUrl = `http://127.0.0.1:${this.port}`;
    const { file, config } = writeConfig(this.dir, this.database.url, this.port, { night });
    this.configFile = file;
    this.config = config;

    // The first migrate of a new installation makes the personal-data keys too.
    await this.ctl('migrate');
    this.areas = await this.#importAreas();
    const csv = path.join(this.dir, 'participants.csv');
    this.participants = writePopulationCsv(csv);
    await this.ctl('participants', 'import', csv);

    this.tokens = {
      operator: await this.token('operator'),
      municipal: await this.token('municipal', 'GM0363'),
      admin: await this.token('admin'),
      registrar: await this.token('registrar'),
    };
    this.#spawnDaemon();
    await this.#waitReady();
  }

  async ctl(...args) {
    const env = { ...process.env };
    delete env.BURGERNET_DATABASE_URL;
    try {
      const { stdout } = await run(ctlBinary, ['--config', this.configFile, ...args], { env, maxBuffer: 16 << 20 });
      return stdout;
    } catch (error) {
      throw new Error(`burgernetctl ${args.slice(0, 2).join(' ')} failed (${error.code}): ${error.stderr}`);
    }
  }

  // The number of areas in the database: all 342 (the import mends the two generalised
  // boundaries that cross themselves, and fails on any it cannot).
  async #importAreas() {
    const env = { ...process.env };
    delete env.BURGERNET_DATABASE_URL;
    const { stdout } = await run(ctlBinary, ['--config', this.configFile, 'areas', 'import', municipalitiesFile], { env });
    const imported = /imported (\d+) areas/.exec(stdout);
    if (!imported) throw new Error(`burgernetctl areas import: ${stdout}`);
    return Number(imported[1]);
  }

  async token(role, area) {
    const args = ['token', 'create', '--role', role, '--name', `console-e2e-${role}`];
    if (area) args.push('--area', area);
    return (await this.ctl(...args)).trim();
  }

  #spawnDaemon() {
    this.logFile = path.join(this.dir, 'burgernetd.log');
    const log = fs.openSync(this.logFile, 'a');
    const env = { ...process.env };
    delete env.BURGERNET_DATABASE_URL;
    this.daemon = spawn(daemonBinary, ['--config', this.configFile], { env, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.exited = new Promise((resolve) => this.daemon.on('exit', (code, signal) => resolve(code ?? signal)));
  }

  async #waitReady() {
    const deadline = Date.now() + kReadyTimeoutMs;
    let exitedWith;
    this.exited.then((code) => (exitedWith = code));
    while (Date.now() < deadline) {
      if (exitedWith !== undefined) throw new Error(`burgernetd exited during start-up (${exitedWith})`);
      try {
        const response = await fetch(`${this.baseUrl}/readyz`);
        if (response.status === 200) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`burgernetd did not answer /readyz within ${kReadyTimeoutMs} ms`);
  }

  daemonLog() {
    try {
      return fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-40).join('\n');
    } catch {
      return '(no log)';
    }
  }

  // The lines of one file outbox, parsed.
  outbox(channel) {
    const file = path.join(this.dir, 'outbox', `${channel}.jsonl`);
    if (!fs.existsSync(file)) return [];
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  }

  async stop() {
    if (this.daemon && this.daemon.exitCode === null && this.daemon.signalCode === null) {
      this.daemon.kill('SIGTERM');
      const timer = setTimeout(() => this.daemon.kill('SIGKILL'), kStopTimeoutMs);
      await this.exited;
      clearTimeout(timer);
    }
    this.database?.drop();
    if (this.dir && !process.env.BURGERNET_CONSOLE_KEEP) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
