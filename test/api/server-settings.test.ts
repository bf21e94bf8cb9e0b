/** `npm run server`'s settings from its arguments and environment (src/api/server-settings.ts). */
import { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, serverSettings } from '../../src/api/server-settings';

test('LUCID_CUSTOM_TOOL_WAIT_SECONDS sets the custom tool wait of API sessions; a bad value stops the start', () => {
  expect(serverSettings([], {})).toEqual({ port: DEFAULT_HTTP_PORT, host: DEFAULT_HTTP_HOST });
  expect(serverSettings([], { LUCID_CUSTOM_TOOL_WAIT_SECONDS: '90' })).toMatchObject({ customToolWaitSeconds: 90 });
  for (const bad of ['0', '1.5', 'soon', '604801']) {
    expect(() => serverSettings([], { LUCID_CUSTOM_TOOL_WAIT_SECONDS: bad })).toThrow(
      `LUCID_CUSTOM_TOOL_WAIT_SECONDS must be 1–604800 seconds, got ${bad}`,
    );
  }
});
