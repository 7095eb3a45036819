/** A model location with a scheme that cannot hold a model (`?base=javascript:…`) gets a plain error
 *  naming it, not the URL parser's raw TypeError. */
import { describe, expect, it } from 'vitest';
import { targetFor } from '../ui/views/models-check';
import { ModelFileError } from './errors';
import { modelSourceProblem } from './files';
import { createNodeEngine, nodeSource } from './node';

describe('model locations', () => {
  it('accepts URLs, site paths, hub ids and folders; refuses other schemes with a next step', () => {
    for (const ok of ['https://huggingface.co/x/y/resolve/main/', 'http://127.0.0.1:8000/m/', './models/lab-base/', '/models/x/', 'org/name', 'org/name@abc', 'models/lab-base', 'C:\\models\\x', 'local:my-folder', 'blob:http://x/1']) {
      expect(modelSourceProblem(ok), ok).toBeNull();
    }
    for (const bad of ['javascript:alert(1)', 'JavaScript:alert(document.domain)//', 'data:text/html,<b>x</b>', 'file:///etc/passwd', 'vbscript:x']) {
      expect(modelSourceProblem(bad), bad).toMatch(/is not a model location: "[a-z]+:" addresses cannot be loaded\. Give an http\(s\) URL/);
    }
    expect(modelSourceProblem('  ')).toMatch(/no model given/);
  });

  it('loading or checking javascript:… is a ModelFileError naming it, not a TypeError', async () => {
    expect(() => nodeSource('javascript:alert(1)')).toThrow(ModelFileError);
    const e = createNodeEngine('node');
    const err = await e.load('javascript:alert(1)').catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ModelFileError);
    expect((err as Error).message).toMatch(/^javascript:alert\(1\): is not a model location/);
    expect(() => targetFor('javascript:alert(1)', 'https://huggingface.co', 'http://127.0.0.1/')).toThrow(/^javascript:alert\(1\): is not a model location/);
  });
});
