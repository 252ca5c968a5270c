#!/usr/bin/env python3
"""Oracle: what pydantic-settings itself says about a `.env` file for the BaseSettings classes of
one Python file.

    python oracle.py SETTINGS_PY [--class NAME] --env-file PATH [--env-file PATH2]
                     [--process-env FILE] [--stub-missing]

Prints one JSON document on stdout:

    {"oracle": {versions}, "module": ..., "import_error": null | "...",
     "classes": [{"class": "Settings", "status": "ok" | "errors" | "error",
                  "raised": null | "ValidationError" | "SettingsError",
                  "errors": [{"var": "BOT_PORT", "keys": ["BOT_PORT"], "field": "port",
                              "loc": ["port"], "type": "int_parsing", "origin": "dotenv"}],
                  "vars": ["BOT_PORT", ...]}]}

* `var` is the variable as the user sees it: the key as written in the `.env` file when the value
  came from there (original case), else the name pydantic-settings would read, upper-cased when the
  class is case-insensitive (`BOT_PORT` for a missing `port` with `env_prefix='BOT_'`).
* `origin`: `dotenv` (a value from the file failed), `missing` (nothing supplied a required
  field), `default` (the class default itself fails: BaseSettings validates defaults), `extra` (a
  `.env` key no field reads, rejected by `extra='forbid'`), `model` (a model-level validator; no
  variable), `env` (a value from --process-env failed).
* `type` is pydantic's error type (`missing`, `int_parsing`, `extra_forbidden`, ...). A value that a
  complex field (list/dict/model...) cannot JSON-decode makes pydantic-settings raise a
  `SettingsError` (not a ValidationError) that stops at the FIRST such field and hides every other
  error. The oracle reports it as type `settings_error_json` for the key(s) at fault, then loads the
  class again without those keys to collect the rest, so `vars` is the complete list a start-up
  check should give. `raised` says what pydantic-settings raised on the first, unmodified attempt.
* Values are never printed: errors are taken with include_input=False, and no message text that
  could quote a value is copied.

The process environment is emptied before the user's module is imported (so `--process-env` is
the only environment), the working directory is an empty temporary folder (so no stray `.env`,
secrets dir, yaml/json/toml file is read), `sys.argv` holds only a program name (no CLI parsing),
and secrets are read from an empty temporary directory.

`--stub-missing`: imports of modules that are not installed get an empty stand-in module whose
attributes are fresh classes, so a settings file that imports the rest of its project can still be
loaded. A field typed with such a stand-in is one pydantic cannot validate from a string: the
oracle reports it like any failure (velo must call it "not checked").

Only the standard library, pydantic, pydantic-settings (and its python-dotenv) are used.
"""

from __future__ import annotations

import argparse
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import sys
import tempfile
import types
import warnings

sys.dont_write_bytecode = True  # never leave __pycache__ next to the user's file

import pydantic  # noqa: E402
import pydantic_core  # noqa: E402
import pydantic_settings  # noqa: E402
from dotenv import dotenv_values  # noqa: E402
from pydantic import ValidationError  # noqa: E402
from pydantic_settings import BaseSettings, DotEnvSettingsSource, SettingsError  # noqa: E402

SETTINGS_ERROR_RE = re.compile(r'error (?:parsing|getting) value for field "([^"]*)" from source "([^"]*)"')


# ---------------------------------------------------------------------------------------------
# Stand-ins for modules that are not installed (only with --stub-missing)


class _StubMeta(type):
    """A stand-in class whose attributes are stand-in classes too (`Enum.MEMBER`, `Cls.attr`)."""

    def __getattr__(cls, name: str):
        if name.startswith('__'):
            raise AttributeError(name)
        value = _StubMeta(name, (), {'__module__': cls.__module__})
        setattr(cls, name, value)
        return value

    def __call__(cls, *args, **kwargs):
        return type.__call__(cls)


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str):
        if name.startswith('__'):
            raise AttributeError(name)
        value = _StubMeta(name, (), {'__module__': self.__name__})
        setattr(self, name, value)
        return value


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self) -> None:
        self.stubbed: list[str] = []

    def find_spec(self, fullname, path, target=None):
        for finder in sys.meta_path:
            if finder is self:
                continue
            try:
                spec = finder.find_spec(fullname, path, target)
            except Exception:
                spec = None
            if spec is not None:
                return None
        self.stubbed.append(fullname)
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        module = _StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        return None


# ---------------------------------------------------------------------------------------------
# Import of the user's module without failing on `settings = Settings()` at module level


def _import_module(path: str, stub_missing: bool):
    """Imports the file; a BaseSettings instantiated while importing does not raise."""
    original_init = BaseSettings.__init__

    def lenient_init(self, *args, **kwargs):
        try:
            original_init(self, *args, **kwargs)
        except Exception:
            # Module-level code may read attributes of the instance (`print(settings.x)`):
            # required fields get None so that such code does not stop the import.
            missing = {n: None for n, f in type(self).model_fields.items() if f.is_required()}
            constructed = type(self).model_construct(**missing)
            object.__setattr__(self, '__dict__', constructed.__dict__)
            object.__setattr__(self, '__pydantic_fields_set__', set())
            object.__setattr__(self, '__pydantic_extra__', constructed.__pydantic_extra__)
            object.__setattr__(self, '__pydantic_private__', constructed.__pydantic_private__)

    finder = _StubFinder() if stub_missing else None
    name = '_oracle_settings_module'
    directory = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, directory)
    if finder is not None:
        sys.meta_path.append(finder)
    BaseSettings.__init__ = lenient_init
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    finally:
        BaseSettings.__init__ = original_init
        if finder is not None:
            sys.meta_path.remove(finder)
    return module, (finder.stubbed if finder else [])


def _settings_classes(module, wanted: str | None):
    found = []
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, BaseSettings)
            and value is not BaseSettings
            and value.__module__ == module.__name__
        ):
            found.append(value)
    # Definition order: vars() follows assignment order; keep the first binding of each class.
    unique = list(dict.fromkeys(found))
    if wanted is not None:
        unique = [c for c in unique if c.__name__ == wanted]
    return unique


# ---------------------------------------------------------------------------------------------
# Reading the `.env` file(s) the way pydantic-settings does, keeping the keys' spelling


class _DotenvKeys:
    """Normalised key -> the key as written (the last spelling wins, as in parse_env_vars)."""

    def __init__(self, paths: list[str], encoding: str | None, case_sensitive: bool):
        self.case_sensitive = case_sensitive
        self.written: dict[str, str] = {}
        for path in paths:
            values = dotenv_values(path, encoding=encoding if encoding is not None else 'utf-8')
            for key in values:
                self.written[self.norm(key)] = key

    def norm(self, key: str) -> str:
        return key if self.case_sensitive else key.lower()

    def get(self, normalised: str) -> str | None:
        return self.written.get(normalised)


def _shown(name: str, case_sensitive: bool) -> str:
    """A variable name for a message, when no key in a file spells it."""
    return name if case_sensitive else name.upper()


class _Excluding:
    """Patches DotEnvSettingsSource so that some normalised keys are left out (or only some kept)."""

    def __init__(self) -> None:
        self.exclude: set[str] = set()
        self.only: set[str] | None = None
        self._original = DotEnvSettingsSource._read_env_files

    def __enter__(self):
        owner = self

        def read(source):
            data = owner._original(source)
            if owner.only is not None:
                return {k: v for k, v in data.items() if k in owner.only}
            return {k: v for k, v in data.items() if k not in owner.exclude}

        DotEnvSettingsSource._read_env_files = read
        return self

    def __exit__(self, *exc):
        DotEnvSettingsSource._read_env_files = self._original
        return False


# ---------------------------------------------------------------------------------------------
# One class


class _ClassOracle:
    def __init__(self, cls, env_files: list[str], secrets_dir: str, process_env: dict[str, str]):
        self.cls = cls
        self.env_files = env_files
        self.secrets_dir = secrets_dir
        self.process_env = process_env
        # A source built exactly as BaseSettings builds it: prefix, case, aliases, delimiter.
        self.source = DotEnvSettingsSource(cls, env_file=tuple(env_files))
        self.case_sensitive = bool(self.source.case_sensitive)
        self.delimiter = self.source.env_nested_delimiter
        self.keys = _DotenvKeys(env_files, self.source.env_file_encoding, self.case_sensitive)
        env_norm = {(k if self.case_sensitive else k.lower()): k for k in process_env}
        self.env_keys = env_norm
        # field name -> [(field_key, normalised env name, is_complex)]
        self.fields = {
            name: self.source._extract_field_info(field, name) for name, field in cls.model_fields.items()
        }

    # -- instantiation ---------------------------------------------------------------------

    def instantiate(self):
        return self.cls(_env_file=tuple(self.env_files), _secrets_dir=self.secrets_dir)

    def run(self) -> dict:
        result = {'class': self.cls.__name__, 'status': 'ok', 'raised': None, 'errors': []}
        errors: list[dict] = []
        excluded: set[str] = set()
        with _Excluding() as patch:
            for attempt in range(1 + len(self.keys.written)):
                patch.exclude = set(excluded)
                patch.only = None
                try:
                    self.instantiate()
                    break
                except ValidationError as e:
                    if attempt == 0:
                        result['raised'] = 'ValidationError'
                    errors.extend(self.map_validation_error(e, excluded))
                    break
                except SettingsError as e:
                    if attempt == 0:
                        result['raised'] = 'SettingsError'
                    guilty = self.settings_error_keys(e, patch, excluded)
                    if not guilty:
                        result['status'] = 'error'
                        result['message'] = f'SettingsError not attributable to a key: {type(e.__cause__).__name__}'
                        break
                    for key in guilty:
                        errors.append(
                            {
                                'var': self.keys.get(key) or self.env_keys.get(key) or key,
                                'keys': [self.keys.get(key) or key],
                                'field': self.field_of_settings_error(e),
                                'loc': None,
                                'type': 'settings_error_json',
                                'origin': 'dotenv' if self.keys.get(key) else 'env',
                            }
                        )
                    excluded |= set(guilty)
                except Exception as e:  # a custom validator raising something else, etc.
                    result['status'] = 'error'
                    result['raised'] = result['raised'] or type(e).__name__
                    result['message'] = f'{type(e).__name__} while loading the class'
                    break
        result['errors'] = errors
        if errors and result['status'] == 'ok':
            result['status'] = 'errors'
        result['vars'] = sorted({e['var'] for e in errors if e['var']})
        return result

    # -- SettingsError: which key(s) failed to decode --------------------------------------

    @staticmethod
    def field_of_settings_error(e: SettingsError) -> str | None:
        m = SETTINGS_ERROR_RE.search(str(e))
        return m.group(1) if m else None

    def settings_error_keys(self, e: SettingsError, patch: _Excluding, excluded: set[str]) -> list[str]:
        """The normalised dotenv keys that, each on its own, make the source raise."""
        field_name = self.field_of_settings_error(e)
        if field_name is None or field_name not in self.fields:
            return []
        candidates = []
        for _, env_name, _ in self.fields[field_name]:
            for key in self.keys.written:
                if key in excluded:
                    continue
                if key == env_name or (self.delimiter and key.startswith(env_name + self.delimiter)):
                    candidates.append(key)
        guilty = []
        for key in dict.fromkeys(candidates):
            patch.only = {key}
            try:
                DotEnvSettingsSource(self.cls, env_file=tuple(self.env_files))()
            except SettingsError:
                guilty.append(key)
            except Exception:
                pass
            finally:
                patch.only = None
        return guilty

    # -- ValidationError: loc -> variable ----------------------------------------------------

    def field_for_key(self, loc0: str) -> str | None:
        """The field whose value was passed to the model under `loc0` (its name or its alias, as
        the sources pass it: exact spelling)."""
        for name, infos in self.fields.items():
            if loc0 == name or any(loc0 == fk for fk, _, _ in infos):
                return name
        return None

    def present(self, normalised: str) -> tuple[str | None, str | None]:
        """(written key, origin) when a variable of that normalised name was supplied."""
        # The process environment comes before the dotenv file (env_settings, then dotenv_settings).
        if normalised in self.env_keys:
            return self.env_keys[normalised], 'env'
        written = self.keys.get(normalised)
        if written is not None:
            return written, 'dotenv'
        return None, None

    def map_validation_error(self, e: ValidationError, excluded: set[str]) -> list[dict]:
        out = []
        for err in e.errors(include_url=False, include_input=False, include_context=False):
            loc = list(err['loc'])
            etype = err['type']
            entry = {'var': None, 'keys': [], 'field': None, 'loc': loc, 'type': etype, 'origin': None}
            if not loc:
                entry['origin'] = 'model'
                out.append(entry)
                continue
            head = str(loc[0])
            # A top-level extra_forbidden is always a key no field reads, even when its normalised
            # spelling equals a field's name (a field read under an alias, `case_sensitive=True`).
            is_extra = etype == 'extra_forbidden' and len(loc) == 1
            field_name = None if is_extra else self.field_for_key(head)
            if field_name is None:
                # A key no field reads: the dotenv source passed it on under its normalised name.
                written = self.keys.get(head) or self.keys.get(head.lower())
                entry.update(var=written or head, keys=[written or head], origin='extra' if etype ==
                             'extra_forbidden' else 'dotenv')
                out.append(entry)
                continue
            entry['field'] = field_name
            infos = self.fields[field_name]
            if etype == 'missing' and any(env_name in excluded for _, env_name, _ in infos):
                # Only missing because the oracle left out a key already reported as undecodable.
                continue
            var, origin = None, None
            # A nested location first: `db.port` read from `DB__PORT`.
            if len(loc) > 1 and self.delimiter:
                tail = [str(p) for p in loc[1:]]
                for _, env_name, _ in infos:
                    for cut in range(len(tail), 0, -1):
                        name = env_name + self.delimiter + self.delimiter.join(tail[:cut])
                        name = name if self.case_sensitive else name.lower()
                        var, origin = self.present(name)
                        if var:
                            break
                    if var:
                        break
            if not var:
                # The variable that supplied the field: the first env name present, as
                # EnvSettingsSource.get_field_value picks it.
                for _, env_name, _ in infos:
                    if env_name in excluded:
                        continue
                    var, origin = self.present(env_name)
                    if var:
                        break
            if not var and self.delimiter:
                for _, env_name, _ in infos:
                    nested = [k for k in self.keys.written if k.startswith(env_name + self.delimiter)]
                    if nested and etype != 'missing':
                        var, origin = self.keys.get(nested[0]), 'dotenv'
                        break
            if not var:
                env_name = infos[0][1]
                if etype == 'missing' and len(loc) > 1 and self.delimiter:
                    env_name = env_name + self.delimiter + self.delimiter.join(str(p) for p in loc[1:])
                var = _shown(env_name, self.case_sensitive)
                origin = 'missing' if etype == 'missing' else 'default'
            entry.update(var=var, keys=[var] if origin in ('dotenv', 'env') else [], origin=origin)
            out.append(entry)
        return out


# ---------------------------------------------------------------------------------------------


def check(
    settings_py: str,
    env_files: list[str],
    class_name: str | None = None,
    process_env: dict[str, str] | None = None,
    stub_missing: bool = False,
) -> dict:
    """The oracle's report for one settings file and one or more `.env` files (see the module doc)."""
    settings_py = os.path.abspath(settings_py)
    shown_env_files = list(env_files)
    env_files = [os.path.abspath(p) for p in env_files]
    process_env = dict(process_env or {})
    report = {
        'oracle': {
            'python': sys.version.split()[0],
            'pydantic': pydantic.VERSION,
            'pydantic_core': pydantic_core.__version__,
            'pydantic_settings': pydantic_settings.__version__,
        },
        'module': settings_py,
        'env_files': shown_env_files,
        'import_error': None,
        'stubbed_modules': [],
        'classes': [],
    }
    workdir = tempfile.mkdtemp(prefix='oracle-cwd-')
    secrets_dir = tempfile.mkdtemp(prefix='oracle-secrets-')
    old_cwd, old_argv, old_environ = os.getcwd(), sys.argv, dict(os.environ)
    sys.argv = ['settings']
    os.chdir(workdir)
    os.environ.clear()
    real_stdout = sys.stdout
    # Whatever the user's module prints goes to stderr; stdout carries only the JSON report.
    sys.stdout = sys.stderr
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            try:
                module, stubbed = _import_module(settings_py, stub_missing)
                report['stubbed_modules'] = stubbed
            except BaseException as e:  # noqa: BLE001 - a user module can raise anything
                first = str(e).splitlines()[0][:200] if str(e) else ''
                report['import_error'] = f'{type(e).__name__}: {first}'
                module = None
            if module is not None:
                classes = _settings_classes(module, class_name)
                if class_name and not classes:
                    report['import_error'] = f'no BaseSettings class named {class_name}'
                for cls in classes:
                    os.environ.clear()
                    os.environ.update(process_env)
                    try:
                        report['classes'].append(_ClassOracle(cls, env_files, secrets_dir, process_env).run())
                    except Exception as e:  # noqa: BLE001
                        report['classes'].append(
                            {'class': cls.__name__, 'status': 'error', 'raised': type(e).__name__,
                             'message': f'{type(e).__name__} while reading the class', 'errors': [], 'vars': []}
                        )
    finally:
        sys.modules.pop('_oracle_settings_module', None)
        os.chdir(old_cwd)
        sys.argv = old_argv
        os.environ.clear()
        os.environ.update(old_environ)
        sys.stdout = real_stdout
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(secrets_dir, ignore_errors=True)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('settings_py')
    parser.add_argument('--class', dest='class_name')
    parser.add_argument('--env-file', action='append', default=[], required=True)
    parser.add_argument('--process-env', help='a dotenv-format file loaded as the process environment')
    parser.add_argument('--stub-missing', action='store_true')
    args = parser.parse_args(argv)
    process_env: dict[str, str] = {}
    if args.process_env:
        process_env = {k: v for k, v in dotenv_values(args.process_env).items() if v is not None}
    report = check(args.settings_py, args.env_file, args.class_name, process_env, args.stub_missing)
    report['module'] = args.settings_py
    json.dump(report, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
