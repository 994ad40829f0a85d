// The WebAssembly JS API as Node 20 provides it. TypeScript declares it only
// in the DOM libs, which would also pull browser globals into a server
// program, so the part impactd uses is declared here.
declare namespace WebAssembly {
  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  class Module {
    constructor(bytes: BufferSource);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}
