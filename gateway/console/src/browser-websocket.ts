// The typed client imports `ws` for Node; in the browser the bundle maps it to the built-in WebSocket.
export default globalThis.WebSocket;
