import ts from 'typescript';
import type { Plugin } from 'vite';

/**
 * Lowers standard (TC39) decorators in test files with the TypeScript compiler.
 *
 * Vite 8's default transformer (oxc) does not lower TC39 method decorators yet, while `tsc`
 * (our build) and tsx/esbuild (the CLI's loader for user projects) do. Only files that use a
 * decorator go through this, so the rest of the suite keeps the fast path.
 */
export function tcDecorators(): Plugin {
  return {
    name: 'assay:tc39-decorators',
    enforce: 'pre',
    transform(code, id) {
      if (!/\.tsx?$/.test(id) || !/^\s*@\w+/m.test(code)) return undefined;
      const out = ts.transpileModule(code, {
        fileName: id,
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, sourceMap: true, verbatimModuleSyntax: false },
      });
      return { code: out.outputText, map: out.sourceMapText ? JSON.parse(out.sourceMapText) : null };
    },
  };
}
