// Types of scripts/testbed-image.mjs for its test (test/testbed-image.test.ts).
export interface TestbedImage {
  name: string;
  image: string;
  binary: string;
  versionOf: string;
  cmd: string[];
  port: number;
  dirs: string[];
}
export declare const TESTBED_IMAGES: TestbedImage[];
export declare function sharedLibraries(lddOutput: string): string[];
