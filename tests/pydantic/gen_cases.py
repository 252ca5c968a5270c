#!/usr/bin/env python3
"""Generator sketch for the property test: random BaseSettings classes and random `.env` files,
with the verdict of pydantic-settings itself (oracle.py) for each.

    python gen_cases.py --out DIR [--n 200] [--seed 20260823] [--no-oracle]

Writes DIR/NNNN/settings.py, DIR/NNNN/.env, DIR/NNNN/verdict.json (oracle report) and
DIR/summary.json (how often each error type and each feature occurred, to see the coverage).
With the same seed the same files come out (random.Random(seed), no clock, no hash order).

Only the standard library; the oracle needs pydantic-settings (and email-validator for EmailStr).
The test in the repository will create its own virtualenv, run this (or its port) and compare
velo's reported variables with `verdict.json`'s `vars` (case-insensitively where the class is).

What is generated (the set the issue names as supported):
- types: str, int, float, bool, SecretStr, SecretBytes, HttpUrl, AnyUrl, PostgresDsn, RedisDsn,
  EmailStr, Path, Literal[...], Optional[X] / X | None, list[int], list[str], dict[str, int],
  a nested BaseModel (read through env_nested_delimiter='__' or as JSON);
- constraints: Field(ge, le, gt, lt, multiple_of, min_length, max_length, pattern);
- defaults: none (required), a valid default, default_factory, Field(...), now and then an
  invalid default (`x: str = None`), which BaseSettings rejects (validate_default=True);
- names: alias, validation_alias=AliasChoices(...), populate_by_name;
- config: model_config = SettingsConfigDict(...), v1-style `class Config`, or class keywords;
  env_prefix, case_sensitive, extra (unset = 'forbid', 'forbid', 'ignore', 'allow'),
  env_ignore_empty, env_parse_none_str, env_nested_delimiter;
- `.env` lines: valid and invalid values per type (edge spellings: 5.0, 1_000, +5, ' 5 ', inf,
  nan, yes/off/T, wrong-case Literal, CSV for a list, Python dict for JSON, ...), left out, empty,
  typo'd key, prefix dropped, wrong case under case_sensitive, field name instead of alias,
  unknown keys (also empty ones, which pydantic-settings ignores), duplicate keys (last wins),
  nested keys with a single underscore, quoted values, `export ` prefix, comments.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

NAMES = [
    'api_key', 'api_secret', 'bot_token', 'port', 'host', 'timeout', 'retries', 'debug', 'testnet', 'exchange',
    'symbol', 'leverage', 'risk', 'log_level', 'mode', 'database_url', 'redis_url', 'webhook', 'admin_email',
    'data_dir', 'symbols', 'weights', 'limits', 'password', 'chat_id', 'interval', 'ratio', 'name', 'region',
    'proxy_url', 'workers', 'max_position', 'secret_key', 'user_agent', 'base_url', 'dry_run', 'slippage',
]
LITERAL_POOL = ['binance', 'bybit', 'okx', 'kraken', 'paper', 'live', 'DEBUG', 'INFO', 'WARNING', 'prod', 'dev']
SECRETISH = ('key', 'secret', 'token', 'password')

SCALARS = ['str', 'int', 'float', 'bool', 'SecretStr', 'SecretBytes', 'HttpUrl', 'AnyUrl', 'PostgresDsn',
           'RedisDsn', 'EmailStr', 'Path', 'Literal']
COMPLEX = ['list[int]', 'list[str]', 'dict[str, int]']

VALID = {
    'str': ['hello', 'with space', 'a#b', 'x=y', 'UPPER', 'ünïcode'],
    'int': ['5', '0', '-3', '42', '5.0', '1_000', '+5', ' 5 ', '007', '-0', '65535'],
    'float': ['1.5', '0', '-2.25', 'inf', '-inf', 'nan', '1e3', '.5', '1_000.5', ' 2.5 ', '10'],
    'bool': ['true', 'False', 'TRUE', '1', '0', 'yes', 'No', 'on', 'OFF', 't', 'F', 'y', 'N'],
    'SecretStr': ['FAKESECRET-s1', 'FAKESECRET with space', 'FAKESECRET#hash'],
    'SecretBytes': ['FAKESECRET-b1', 'FAKESECRET-é'],
    'HttpUrl': ['https://example.com', 'http://localhost:8000/hook', 'https://h.example.com/a?b=c'],
    'AnyUrl': ['redis://h', 'mailto:a@example.com', 'file:///tmp/x', 'https://example.com'],
    'PostgresDsn': ['postgresql://u:FAKESECRET@h:5432/db', 'postgres://h/db', 'postgresql+asyncpg://u@h/db'],
    'RedisDsn': ['redis://localhost:6379/0', 'rediss://:FAKESECRET@h:6380', 'redis://'],
    'EmailStr': ['a@example.com', 'Ops <ops@example.org>', 'first.last@sub.example.co'],
    'Path': ['data', '/var/lib/app', '', './x y'],
    'list[int]': ['[1, 2, 3]', '[]', '[0]'],
    'list[str]': ['["BTCUSDT", "ETHUSDT"]', '[]', '["a"]'],
    'dict[str, int]': ['{"a": 1}', '{}', '{"x": 2, "y": 3}'],
}
INVALID = {
    'str': [],
    'int': ['five', '5.5', '', '1e3', '0x10', '1,000', '_1', '1__0', '5.', '+-5', 'true'],
    'float': ['1,5', 'abc', '', '1.2.3', '0x1p3', '5%'],
    'bool': ['maybe', '2', '', 'enable', 'ok', '1.0', 'yes please', 'ja'],
    'SecretStr': [],
    'SecretBytes': [],
    'HttpUrl': ['example.com', 'ftp://x.com', 'http://', 'https://exa mple.com', ''],
    'AnyUrl': ['foo', '', 'http//x', '://x'],
    'PostgresDsn': ['mysql://u@h/db', 'postgresql://', 'h:5432/db', ''],
    'RedisDsn': ['http://h', 'localhost:6379', ''],
    'EmailStr': ['a@b', 'not-an-email', 'a@localhost', '', 'a@@example.com'],
    'Path': [],
    'list[int]': ['1,2', '[1, "x"]', '', '[1, 2'],
    'list[str]': ['a,b', '', "['a']"],
    'dict[str, int]': ["{'a': 1}", '{"a": "x"}', 'a=1', ''],
}
PY_DEFAULT = {
    'str': "'x'", 'int': '5', 'float': '1.5', 'bool': 'False', 'SecretStr': "'FAKESECRET-default'",
    'SecretBytes': "b'FAKESECRET-default'", 'HttpUrl': "'https://example.com'", 'AnyUrl': "'https://example.com'",
    'PostgresDsn': "'postgresql://h/db'", 'RedisDsn': "'redis://localhost:6379/0'", 'EmailStr': "'a@example.com'",
    'Path': "'data'",
}


class Gen:
    def __init__(self, rng: random.Random):
        self.r = rng
        self.stats: dict[str, int] = {}

    def count(self, what: str) -> None:
        self.stats[what] = self.stats.get(what, 0) + 1

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    # -- class -------------------------------------------------------------------------------

    def field(self, name: str, nested_allowed: bool) -> dict:
        r = self.r
        roll = r.random()
        if nested_allowed and roll < 0.08:
            kind = 'nested'
        elif roll < 0.2:
            kind = r.choice(COMPLEX)
        else:
            kind = r.choice(SCALARS)
        if any(s in name for s in SECRETISH) and kind == 'str' and self.chance(0.5):
            kind = 'SecretStr'
        f = {'name': name, 'kind': kind, 'optional': False, 'default': None, 'constraints': {}, 'alias': None,
             'choices': None, 'factory': False, 'sub': None}
        if kind == 'Literal':
            f['choices'] = r.sample(LITERAL_POOL, r.randint(2, 4))
        if kind == 'nested':
            f['sub'] = [
                {'name': n, 'kind': r.choice(['str', 'int', 'bool', 'float']), 'required': self.chance(0.6)}
                for n in r.sample(['host', 'port', 'user', 'timeout', 'enabled', 'ratio'], r.randint(1, 3))
            ]
        # constraints
        if kind in ('int', 'float') and self.chance(0.35):
            c = r.choice([{'ge': 1}, {'ge': 0, 'le': 100}, {'gt': 0}, {'lt': 10}, {'ge': 1, 'le': 65535},
                          {'multiple_of': 5} if kind == 'int' else {'le': 1.0}])
            f['constraints'] = c
        if kind in ('str', 'SecretStr') and self.chance(0.3):
            # No `pattern` on SecretStr: pydantic raises TypeError (not a ValidationError) for any value.
            patterns = [{'pattern': r'^[a-z]+$'}, {'pattern': r'^\d{3,}$'}] if kind == 'str' else []
            f['constraints'] = r.choice([{'min_length': 1}, {'min_length': 8}, {'max_length': 5}] + patterns)
        # requiredness and default
        roll = r.random()
        if kind != 'nested' and roll < 0.12:
            f['optional'] = True
            f['default'] = 'None'
        elif roll < 0.45:
            pass  # required
        elif kind in COMPLEX:
            f['factory'] = True
        elif kind == 'nested':
            if all(not s['required'] for s in f['sub']):
                f['default'] = f"Sub_{name}()"
        elif kind == 'Literal':
            f['default'] = repr(f['choices'][0])
        else:
            f['default'] = self.default_for(f)
        if f['default'] is None and not f['factory'] and kind in ('str', 'int') and self.chance(0.04):
            f['default'] = 'None'  # the real-world mistake: BaseSettings validates defaults
            self.count('feature:invalid_default')
        # names
        roll = r.random()
        if roll < 0.12:
            f['alias'] = ('alias', (name + '_' + r.choice(['v', 'env', 'cfg'])).upper())
        elif roll < 0.2:
            f['alias'] = ('choices', [name.upper() + '_A', name.upper() + '_B'])
        return f

    def default_for(self, f: dict) -> str:
        kind, c = f['kind'], f['constraints']
        if kind == 'int':
            lo = c.get('ge', c.get('gt', -1) + 1) if ('ge' in c or 'gt' in c) else 0
            hi = c.get('le', c.get('lt', 1) - 1) if ('le' in c or 'lt' in c) else lo + 20
            v = self.r.randint(min(lo, hi), max(lo, hi))
            if 'multiple_of' in c:
                v = v - v % c['multiple_of']
            return str(v)
        if kind == 'float':
            return repr(0.5 if c.get('le') == 1.0 or c.get('lt', 99) < 1 else 2.0)
        if kind in ('str', 'SecretStr') and 'pattern' in c:
            return "'abc'" if 'a-z' in c['pattern'] else "'123'"
        if kind in ('str', 'SecretStr') and 'min_length' in c:
            return "'FAKESECRET-long'" if kind == 'SecretStr' else "'abcdefgh'"
        if kind in ('str', 'SecretStr') and 'max_length' in c:
            return "'ab'"
        return PY_DEFAULT[kind]

    def type_src(self, f: dict) -> str:
        kind = f['kind']
        t = {'nested': f"Sub_{f['name']}", 'Literal': f"Literal[{', '.join(map(repr, f['choices'] or []))}]"}.get(kind, kind)
        if f['optional']:
            t = self.r.choice([f'Optional[{t}]', f'{t} | None'])
        return t

    def field_src(self, f: dict, populate: bool) -> str:
        args = []
        if f['default'] is not None:
            args.append(f['default'])
        elif f['factory']:
            args.append('default_factory=' + ('dict' if f['kind'].startswith('dict') else 'list'))
        elif f['alias'] or f['constraints']:
            if self.chance(0.5):
                args.append('...')
        if f['alias']:
            how, val = f['alias']
            if how == 'alias':
                args.append(f"{self.r.choice(['alias', 'validation_alias'])}={val!r}")
            else:
                args.append(f"validation_alias=AliasChoices({', '.join(map(repr, val))})")
        for k, v in f['constraints'].items():
            args.append(f'{k}={v!r}')
        t = self.type_src(f)
        if not args:
            return f"    {f['name']}: {t}"
        if args == [f['default']] and not f['alias'] and not f['constraints'] and self.chance(0.7):
            return f"    {f['name']}: {t} = {f['default']}"
        return f"    {f['name']}: {t} = Field({', '.join(args)})"

    def settings_class(self) -> tuple[str, dict]:
        r = self.r
        n = r.randint(2, 7)
        names = r.sample(NAMES, n)
        if self.chance(0.15):
            names = [x.upper() for x in names]
            self.count('feature:upper_field_names')
        cfg: dict = {}
        if self.chance(0.45):
            cfg['env_prefix'] = r.choice(['APP_', 'BOT_', 'svc_', 'MY_APP__', 'Bot_'])
        if self.chance(0.15):
            cfg['case_sensitive'] = True
        roll = r.random()
        if roll < 0.2:
            cfg['extra'] = 'forbid'
        elif roll < 0.45:
            cfg['extra'] = 'ignore'
        elif roll < 0.55:
            cfg['extra'] = 'allow'
        if self.chance(0.2):
            cfg['env_ignore_empty'] = True
        if self.chance(0.1):
            cfg['env_parse_none_str'] = 'null'
        nested_allowed = self.chance(0.35)
        fields = [self.field(nm, nested_allowed) for nm in names]
        if any(f['kind'] == 'nested' for f in fields) or self.chance(0.05):
            cfg['env_nested_delimiter'] = '__'
        populate = any(f['alias'] for f in fields) and self.chance(0.3)
        if populate:
            cfg['populate_by_name'] = True
        style = r.choices(['model_config', 'class Config', 'kwargs'], [0.6, 0.25, 0.15])[0]
        if style == 'kwargs' and 'populate_by_name' in cfg:
            style = 'model_config'
        self.count(f'config:{style}')
        for k, v in cfg.items():
            self.count(f'config:{k}={v}')
        for f in fields:
            self.count(f"type:{f['kind']}")
            if f['optional']:
                self.count('type:optional')
            if f['alias']:
                self.count(f"alias:{f['alias'][0]}")
            for k in f['constraints']:
                self.count(f'constraint:{k}')

        lines = [
            'from pathlib import Path',
            'from typing import Literal, Optional',
            '',
            'from pydantic import (AliasChoices, AnyUrl, BaseModel, EmailStr, Field, HttpUrl, PostgresDsn, RedisDsn,',
            '                      SecretBytes, SecretStr)',
            'from pydantic_settings import BaseSettings, SettingsConfigDict',
            '',
        ]
        for f in fields:
            if f['kind'] == 'nested':
                lines.append(f"class Sub_{f['name']}(BaseModel):")
                for s in f['sub']:
                    lines.append(f"    {s['name']}: {s['kind']}" + ('' if s['required'] else
                                                                   f" = {PY_DEFAULT[s['kind']]}"))
                lines.append('')
        kw = ''
        if style == 'kwargs' and cfg:
            kw = ', ' + ', '.join(f'{k}={v!r}' for k, v in cfg.items())
        lines.append(f'class Generated(BaseSettings{kw}):')
        if style == 'model_config' and cfg:
            lines.append(f"    model_config = SettingsConfigDict({', '.join(f'{k}={v!r}' for k, v in cfg.items())})")
        lines += [self.field_src(f, populate) for f in fields]
        if style == 'class Config' and cfg:
            lines.append('')
            lines.append('    class Config:')
            lines += [f'        {k} = {v!r}' for k, v in cfg.items()]
        lines.append('')
        return '\n'.join(lines), {'cfg': cfg, 'fields': fields, 'populate': populate}

    # -- .env ---------------------------------------------------------------------------------

    def env_names(self, f: dict, cfg: dict, populate: bool) -> list[str]:
        """The names pydantic-settings reads for the field, preferred first (as _extract_field_info)."""
        prefix = cfg.get('env_prefix', '')
        names = []
        if f['alias']:
            how, val = f['alias']
            names += [val] if how == 'alias' else list(val)  # aliases are NOT prefixed by default
        if not f['alias'] or populate:
            names.append(prefix + f['name'])
        return names

    def spell(self, key: str, cfg: dict) -> str:
        if cfg.get('case_sensitive'):
            return key
        return self.r.choice([key.upper(), key.upper(), key.lower(), key])

    def value(self, kind: str, valid: bool, f: dict | None = None) -> str:
        if kind == 'Literal':
            choices = f['choices']
            if valid:
                return self.r.choice(choices)
            c = self.r.choice(choices)
            return self.r.choice([c.swapcase(), c.capitalize() if c != c.capitalize() else c.lower(), 'other', ''])
        pool = VALID[kind] if valid or not INVALID.get(kind) else INVALID[kind]
        return self.r.choice(pool)

    def line(self, key: str, value: str) -> str:
        r = self.r
        if value == '' or (value.strip() == value and all(ch.isalnum() or ch in '-_.:/@+,%=' for ch in value)):
            if value and self.chance(0.1):
                return f'{key}="{value}"'
            return f'{key}={value}'
        if "'" not in value:
            return f"{key}='{value}'"
        return f'{key}="' + value.replace('"', '\\"') + '"'

    def env_file(self, meta: dict) -> str:
        r, cfg, populate = self.r, meta['cfg'], meta['populate']
        out = []
        if self.chance(0.3):
            out.append('# generated')
        for f in meta['fields']:
            names = self.env_names(f, cfg, populate)
            key = r.choice(names)
            roll = r.random()
            prefix = cfg.get('env_prefix', '')
            if roll < 0.15:
                self.count('env:omitted')
                continue
            if roll < 0.2:
                self.count('env:empty')
                out.append(f'{self.spell(key, cfg)}=')
                continue
            if roll < 0.25:
                self.count('env:typo')
                k = list(key)
                i = r.randrange(len(k))
                if len(k) > 3 and self.chance(0.5):
                    del k[i]
                else:
                    k.insert(i, r.choice('AEIOU_'))
                out.append(self.line(self.spell(''.join(k), cfg), self.value(f['kind'], True, f)
                                     if f['kind'] != 'nested' else '{}'))
                continue
            if roll < 0.29 and prefix and key.startswith(prefix):
                self.count('env:prefix_dropped')
                key = key[len(prefix):]
            elif roll < 0.32 and cfg.get('case_sensitive'):
                self.count('env:wrong_case')
                key = key.swapcase()
            elif roll < 0.35 and f['alias'] and not populate:
                self.count('env:field_name_for_alias')
                key = prefix + f['name']
            if f['kind'] == 'nested':
                out += self.nested_lines(f, key, cfg)
                continue
            valid = r.random() < 0.7
            v = self.value(f['kind'], valid, f)
            if cfg.get('env_parse_none_str') and self.chance(0.1):
                v = 'null'
                self.count('env:none_str')
            self.count(f"env:{'valid' if valid else 'invalid'}_value")
            prefix_export = 'export ' if self.chance(0.03) else ''
            out.append(prefix_export + self.line(self.spell(key, cfg), v))
            if self.chance(0.04):
                self.count('env:duplicate_key')
                out.append(self.line(self.spell(key, cfg), self.value(f['kind'], self.chance(0.5), f)))
        for _ in range(r.choice([0, 0, 0, 1, 1, 2])):
            self.count('env:unknown_key')
            unknown = r.choice(['OTHER_APP_TOKEN', 'PATH_EXTRA', 'LEGACY_MODE', 'TZ', 'my_thing'])
            value = '' if self.chance(0.25) else r.choice(['1', 'FAKESECRET-unknown', 'x'])
            if value == '':
                self.count('env:unknown_key_empty')
            out.append(self.line(unknown, value))
        return '\n'.join(out) + '\n'

    def nested_lines(self, f: dict, key: str, cfg: dict) -> list[str]:
        r = self.r
        delim = cfg.get('env_nested_delimiter') or '__'
        roll = r.random()
        lines = []
        if roll < 0.25:
            self.count('env:nested_json')
            obj = {}
            for s in f['sub']:
                if self.chance(0.8):
                    obj[s['name']] = {'str': 'h', 'int': r.choice([1, 'x']), 'bool': r.choice([True, 'maybe']),
                                      'float': r.choice([0.5, 'nan', 'bad'])}[s['kind']]
            text = json.dumps(obj) if self.chance(0.85) else "{'host': 'h'}"
            lines.append(self.line(self.spell(key, cfg), text))
            return lines
        sep = delim if roll > 0.1 else '_'
        if sep != delim:
            self.count('env:nested_single_underscore')
        for s in f['sub']:
            if self.chance(0.2):
                continue
            self.count('env:nested_key')
            lines.append(self.line(self.spell(key + sep + s['name'], cfg), self.value(s['kind'], self.chance(0.7))))
        return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--n', type=int, default=200)
    ap.add_argument('--seed', type=int, default=20260823)
    ap.add_argument('--no-oracle', action='store_true', help='only write the classes and .env files')
    args = ap.parse_args(argv)

    gen = Gen(random.Random(args.seed))
    check = None
    if not args.no_oracle:
        sys.path.insert(0, HERE)
        from oracle import check  # noqa: PLC0415 - needs pydantic-settings, only then
    os.makedirs(args.out, exist_ok=True)
    verdict_stats: dict[str, int] = {}
    for i in range(args.n):
        folder = os.path.join(args.out, f'{i:04d}')
        os.makedirs(folder, exist_ok=True)
        src, meta = gen.settings_class()
        env = gen.env_file(meta)
        with open(os.path.join(folder, 'settings.py'), 'w') as fh:
            fh.write(src)
        with open(os.path.join(folder, '.env'), 'w') as fh:
            fh.write(env)
        if check is None:
            continue
        report = check(os.path.join(folder, 'settings.py'), [os.path.join(folder, '.env')])
        report['module'] = 'settings.py'
        report['env_files'] = ['.env']
        with open(os.path.join(folder, 'verdict.json'), 'w') as fh:
            json.dump(report, fh, indent=1)
            fh.write('\n')
        if report['import_error']:
            verdict_stats['import_error'] = verdict_stats.get('import_error', 0) + 1
        for c in report['classes']:
            verdict_stats[f"status:{c['status']}"] = verdict_stats.get(f"status:{c['status']}", 0) + 1
            if c.get('raised'):
                verdict_stats[f"raised:{c['raised']}"] = verdict_stats.get(f"raised:{c['raised']}", 0) + 1
            for e in c['errors']:
                k = f"error:{e['type']}/{e['origin']}"
                verdict_stats[k] = verdict_stats.get(k, 0) + 1
    summary = {'seed': args.seed, 'n': args.n, 'generated': dict(sorted(gen.stats.items())),
               'verdicts': dict(sorted(verdict_stats.items()))}
    with open(os.path.join(args.out, 'summary.json'), 'w') as fh:
        json.dump(summary, fh, indent=1)
        fh.write('\n')
    print(json.dumps(summary['verdicts'], indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
