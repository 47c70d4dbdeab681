// Typed view of the extracted AWS service models (see scripts/extract-models.ts).
import { readFileSync } from 'node:fs';

export interface MemberRef {
  shape: string;
  location?: string;
  locationName?: string;
}

export interface Shape {
  type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'boolean' | 'timestamp' | 'double' | 'float' | 'blob';
  required?: string[];
  members?: Record<string, MemberRef>;
  member?: MemberRef;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  union?: boolean;
  error?: { httpStatusCode: number; senderFault?: boolean };
  exception?: boolean;
  fault?: boolean;
}

export interface OperationModel {
  http: { method: string; requestUri: string; responseCode?: number };
  input: string;
  output: string;
  errors: string[];
}

export interface ServiceModel {
  metadata: { apiVersion: string; endpointPrefix: string; serviceId: string; signingName: string };
  operations: Record<string, OperationModel>;
  shapes: Record<string, Shape>;
}

function load(name: string): ServiceModel {
  return JSON.parse(readFileSync(new URL(`./${name}.model.json`, import.meta.url), 'utf8')) as ServiceModel;
}

export const inspector2Model = load('inspector2');
export const imagebuilderModel = load('imagebuilder');
