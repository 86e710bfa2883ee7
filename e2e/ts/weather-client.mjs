// Drives the weather example with the official TypeScript SDK client and
// prints one JSON object describing what the server answered. The Go test
// e2e/tsclient_test.go runs it and asserts on that object, so this script
// only observes; it decides nothing.
//
// Usage: node weather-client.mjs http URL
//        node weather-client.mjs stdio COMMAND [ARGS...]
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const [mode, target, ...rest] = process.argv.slice(2);
const transport = mode === 'http'
  ? new StreamableHTTPClientTransport(new URL(target))
  : new StdioClientTransport({ command: target, args: rest, stderr: 'inherit' });

const client = new Client({ name: 'mcpgen-e2e-ts', version: '1.0.0' });
await client.connect(transport);

const out = { server: client.getServerVersion(), protocol: transport.protocolVersion ?? null };
const { tools } = await client.listTools();
out.tools = tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema, hasOutputSchema: !!t.outputSchema }));

out.forecast = await client.callTool({ name: 'forecast', arguments: { city: 'Paris', days: 2 } });
out.badArgs = await client.callTool({ name: 'forecast', arguments: { city: '', days: 99 } });
out.unknownCity = await client.callTool({ name: 'forecast', arguments: { city: 'Atlantis' } });
try {
  await client.callTool({ name: 'no_such_tool', arguments: {} });
  out.unknownTool = 'no error';
} catch (e) {
  out.unknownTool = { code: e.code, message: e.message };
}
out.templates = (await client.listResourceTemplates()).resourceTemplates;
out.city = await client.readResource({ uri: 'weather://cities/tokyo' });
out.prompt = await client.getPrompt({ name: 'plan_trip', arguments: { city: 'Reykjavik' } });

console.log(JSON.stringify(out));
await client.close();
