/** Node-only adapters: reading and writing capture files. */
export { fileChunks, openCapture, readCaptureFile, writeCaptureFile } from './pcap/node-file.js';
