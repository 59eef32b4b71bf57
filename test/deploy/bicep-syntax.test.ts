// Every Bicep template parses: a typo in infra/ fails here, not twenty minutes into `azd up`.

import { describe, expect, it } from 'vitest';
import { bicepFiles, parseBicep, parseBicepText, syntaxErrors } from './bicep.js';

describe('the Bicep templates', () => {
  const files = bicepFiles();

  it('are all found (the main template and its modules)', () => {
    expect(files).toContain('infra/main.bicep');
    expect(files).toContain('infra/app/api.bicep');
    expect(files.length).toBeGreaterThanOrEqual(9);
  });

  it.each(files)('%s has no syntax errors', async (file) => {
    expect(syntaxErrors(await parseBicep(file))).toEqual([]);
  });

  it('the check reports broken Bicep, with where', async () => {
    const broken = await parseBicepText("param name string\nvar x = [\n  'a'\nparam other string = \n");
    expect(syntaxErrors(broken.rootNode).length).toBeGreaterThan(0);
    const unclosed = await parseBicepText("resource r 'Microsoft.Web/sites@2024-04-01' = {\n  name: 'x'\n");
    expect(syntaxErrors(unclosed.rootNode)).toEqual([expect.stringMatching(/^\d+:\d+ /)]);
  });
});
