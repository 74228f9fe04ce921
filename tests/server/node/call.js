// Calls one operation of a served contract with node-soap, built from the ORIGINAL WSDL file, and prints JSON:
// {result, request, reply} or {fault, request, reply}. Usage: node call.js WSDL ENDPOINT OPERATION ARGS_JSON [HEADER_XML]
"use strict";
const soap = require("soap");

async function main() {
  const [wsdl, endpoint, operation, args, header] = process.argv.slice(2);
  const client = await soap.createClientAsync(wsdl, { endpoint });
  if (header) client.addSoapHeader(header);
  try {
    const [result] = await client[`${operation}Async`](JSON.parse(args));
    console.log(JSON.stringify({ result, request: client.lastRequest, reply: client.lastResponse }));
  } catch (error) {
    const fault = error.root ? error.root.Envelope.Body.Fault : { message: String(error) };
    console.log(JSON.stringify({ fault, request: client.lastRequest, reply: client.lastResponse }));
  }
}

main().catch((error) => {
  console.error(String(error));
  process.exit(2);
});
