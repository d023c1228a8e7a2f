/** Node-only adapters: reading and writing capture files. */
export { fileChunks, openCapture, readCaptureFile, writeCaptureFile } from './pcap/node-file.js';
export { loadTargetBtf, VMLINUX_BTF_PATH } from './btf/core-node.js';
export { tracefsFormats } from './vm/tracefs-node.js';
